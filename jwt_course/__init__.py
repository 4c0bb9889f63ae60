"""Helper package for the hands-on JWT course."""

from __future__ import annotations

__all__: list[str] = []

"""Helper package for the hands-on JWT course."""

from __future__ import annotations

from .serving import Server, serve

__all__: list[str] = ["Server", "serve"]

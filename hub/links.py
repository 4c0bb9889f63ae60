"""Print the links that hand the course to every learner: nbgitpuller (your JupyterHub) and Binder.

    .venv/bin/python hub/links.py --hub https://hub.example.org
    .venv/bin/python hub/links.py --hub https://hub.example.org --repo https://github.com/ORG/jwt-course --branch main

Without --repo it uses this clone's `origin` remote. An nbgitpuller link clones the repository
into each learner's home on first click and merges updates on later clicks without overwriting
their changes; the hub needs `pip install nbgitpuller` in the learners' environment.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

START = "notebooks/00_start_here.ipynb"


def folder_name(repo: str) -> str:
    """The folder nbgitpuller clones into: the repository's last path part, without .git."""
    name = repo.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
    return name.removesuffix(".git") or "jwt-course"


def nbgitpuller_link(hub: str, repo: str, branch: str = "main", start: str = START) -> str:
    """A link that pulls ``repo`` into the learner's home on ``hub`` and opens ``start`` in JupyterLab."""
    query = urlencode(
        {"repo": repo, "branch": branch, "urlpath": f"lab/tree/{folder_name(repo)}/{start}"},
        quote_via=quote,
        safe="",
    )
    return f"{hub.rstrip('/')}/hub/user-redirect/git-pull?{query}"


def binder_link(repo: str, branch: str = "HEAD", start: str = START) -> str:
    """mybinder.org's launch link for a GitHub repository, opening ``start`` in JupyterLab."""
    match = re.match(r"^(?:https://github\.com/|git@github\.com:)([^/]+)/([^/]+?)(?:\.git)?/?$", repo)
    if not match:
        raise ValueError(f"Binder links here are for GitHub repositories, not {repo!r}")
    owner, name = match.groups()
    return f"https://mybinder.org/v2/gh/{owner}/{name}/{branch}?urlpath={quote(f'lab/tree/{start}', safe='')}"


def _origin() -> str | None:
    try:
        return subprocess.run(
            ["git", "remote", "get-url", "origin"], cwd=Path(__file__).resolve().parent,
            capture_output=True, text=True, check=True,
        ).stdout.strip() or None
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hub", help="your JupyterHub's address, e.g. https://hub.example.org")
    parser.add_argument("--repo", help="the course's git repository (default: this clone's origin)")
    parser.add_argument("--branch", default="main", help="branch to pull (default: main)")
    args = parser.parse_args(argv)
    repo = args.repo or _origin()
    if not repo:
        parser.error("no --repo and this clone has no origin remote")
    if args.hub:
        print("nbgitpuller:", nbgitpuller_link(args.hub, repo, args.branch))
    try:
        print("Binder:     ", binder_link(repo, args.branch))
    except ValueError as exc:
        print(f"Binder:      none ({exc})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

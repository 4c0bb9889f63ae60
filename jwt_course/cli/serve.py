"""``jwt-course serve``: run the course's demo API in the foreground, for a workshop.

Listens on 127.0.0.1 unless ``--public``; prints the URL (on a JupyterHub, the proxied
one), the demo users and the settings, never the secret.
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .decode import duration
from .errors import EXIT_INVALID, EXIT_OK, CliError

if TYPE_CHECKING:
    from ..server import Settings
    from ..serving import Server

__all__ = ["DEFAULT_PORT", "cmd_serve", "public_url"]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DEFAULT_PORT = 8000


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_unspecified
    except ValueError:
        return False


def _network_address(ipv6: bool) -> str | None:
    """This machine's address on its network (the interface a default route leaves by), or None."""
    family, probe = (socket.AF_INET6, "2001:db8::1") if ipv6 else (socket.AF_INET, "192.0.2.1")
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as sock:
            sock.connect((probe, 9))  # UDP: picks the outgoing interface, sends nothing
            address = str(sock.getsockname()[0])
    except OSError:
        return None
    return None if ipaddress.ip_address(address).is_loopback else address


def _http_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def public_url(host: str, port: int) -> str:
    """The URL other machines use for a server listening on ``host``:``port``.

    A wildcard address (0.0.0.0, ::) is no address a browser can open: it becomes this
    machine's network address (or its host name when there is none).
    """
    if not _is_wildcard(host):
        return _http_url(host, port)
    return _http_url(_network_address(":" in host) or socket.gethostname(), port)


def _pick_port(app: Any, host: str, wanted: int | None) -> tuple[Server, str]:
    """A :class:`~jwt_course.serving.Server` for ``app``, its port bound; returns (server, a note to print or "").

    No --port: 8000 on a laptop, a free port on a JupyterHub (every learner shares the host)
    or when 8000 is taken. An explicit --port is used as given (0: any free one).
    ``RuntimeError`` when the port cannot be bound.
    """
    from ..serving import Server

    if wanted is not None:
        return Server(app, host, wanted), ""
    if os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip("/"):
        return Server(app, host, 0), "a free port (a shared JupyterHub host: no fixed port)"
    try:
        return Server(app, host, DEFAULT_PORT), ""
    except RuntimeError:
        return Server(app, host, 0), f"port {DEFAULT_PORT} is in use (another server or learner), so a free one"


def _hub_origin() -> str:
    """``https://hub.example.org`` when the hub told its public URL (JUPYTERHUB_PUBLIC_URL), else ""."""
    from urllib.parse import urlsplit

    public = urlsplit(os.environ.get("JUPYTERHUB_PUBLIC_URL", ""))
    in_hub = bool(os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").strip("/"))
    return f"{public.scheme}://{public.netloc}" if in_hub and public.scheme and public.netloc else ""


def _settings_lines(
    settings: Settings,
    url: str,
    secret_given: bool,
    key_file: bool = False,
    browser_url: str | None = None,
) -> list[str]:
    from ..server import DEMO_USERS

    browser = (browser_url or url).rstrip("/")

    users = ", ".join(f"{name} / {password} ({role})" for name, password, role in DEMO_USERS)
    memory = settings.database == ":memory:"
    if settings.key_ring is None:
        key = "secret       " + (
            "from JWT_COURSE_SECRET_KEY (not shown)"
            if secret_given
            else "generated for this run (not shown); tokens die with the server"
        )
    else:
        origin = "from --private-key-file" if key_file else "generated for this run"
        key = f"signing key  {origin}; public keys at {url}/.well-known/jwks.json"
    return [
        "JWT course demo API",
        f"  url          {url}",
        *(
            [
                f"  browser      {browser}/  (your browser's address for it{'' if '://' in browser else ', after the hub address'})"
            ]
            if browser != url
            else []
        ),
        f"  docs         {browser}/docs  (Swagger UI; Authorize with a demo user)",
        f"  users        {users}",
        f"  algorithm    {settings.algorithm}",
        "  " + key,
        f"  issuer       {settings.issuer}",
        f"  audience     {settings.audience}",
        f"  access TTL   {settings.access_ttl_seconds} s ({duration(settings.access_ttl_seconds)})",
        f"  refresh TTL  {settings.refresh_ttl_seconds} s ({duration(settings.refresh_ttl_seconds)})",
        f"  database     {settings.database}"
        + (" (revocations are lost on exit)" if memory else " (revocations survive a restart)"),
        "Press Ctrl+C to stop.",
    ]


def cmd_serve(args: argparse.Namespace) -> int:
    """``jwt-course serve``: run the demo API in the foreground until Ctrl+C or SIGTERM."""
    if not args.public and not _is_loopback(args.host):
        raise CliError(
            f"refusing to listen on {args.host}: the demo API has well-known passwords "
            "(alice/wonderland, bob/builder), so anyone who can reach it can log in; "
            "use 127.0.0.1, or add --public if you really mean to expose it"
        )
    from ..server import Settings, create_app

    overrides = {
        name: value
        for name, value in (
            ("algorithm", args.algorithm),
            ("access_ttl_seconds", args.access_ttl),
            ("refresh_ttl_seconds", args.refresh_ttl),
            ("database", args.database),
        )
        if value is not None
    }
    if args.private_key_file:
        try:
            overrides["private_key"] = Path(args.private_key_file).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read --private-key-file: {exc.strerror}") from None
    try:
        settings = Settings.from_env(**overrides)
        app = create_app(settings)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    except Exception as exc:  # e.g. sqlite3.OperationalError for a bad --database path
        raise CliError(f"cannot start the demo API: {type(exc).__name__}: {exc}", EXIT_INVALID) from None
    try:
        server, port_note = _pick_port(app, args.host, getattr(args, "port", None))
    except RuntimeError as exc:
        app.state.store.close()
        raise CliError(f"{exc} (pick another --port, or 0 for any free one)", EXIT_INVALID) from None
    try:
        if _is_loopback(args.host):
            url = server.url
            browser = _hub_origin() + server.browser_url
        else:
            url = browser = public_url(args.host, server.port)
            print(f"warning: listening on {args.host}: anyone on your network can log in as the demo users")
        if port_note:
            print(f"note: listening on {port_note}: {server.port}")
        print(
            "\n".join(
                _settings_lines(
                    settings,
                    url,
                    "JWT_COURSE_SECRET_KEY" in os.environ,
                    bool(args.private_key_file),
                    browser_url=browser,
                )
            ),
            flush=True,
        )
        # uvicorn logs to the terminal; Ctrl+C or SIGTERM ends the run (the signal is returned)
        stopped_by = server.run_in_foreground()
    except RuntimeError:  # the app did not start (uvicorn logged why)
        raise CliError("the demo API did not start (see the log above)", EXIT_INVALID) from None
    finally:
        server.stop()  # closes the socket if the run never began; a no-op after it
        app.state.store.close()
    reason = f" ({stopped_by.name})" if stopped_by else ""
    print(f"stopped{reason}", flush=True)
    return EXIT_OK

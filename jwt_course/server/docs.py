"""Swagger UI served from the package, so ``/docs`` works offline and behind a proxy.

Moved verbatim from the former ``jwt_course/server.py`` (the workshop helper's code;
only the path to ``jwt_course/static`` gained a ``.parent``).
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

__all__: list[str] = []

_SWAGGER_UI = Path(__file__).resolve().parent.parent / "static" / "swagger-ui"


# jupyter-server-proxy's X-Forwarded-Prefix, e.g. /user/alice/proxy/8000 (a URL path only)
_PROXY_PREFIX = re.compile(r"/(?!/)[A-Za-z0-9._~!$&'()*+,;=:@%/-]{0,500}")


def _add_offline_docs(app: FastAPI) -> None:
    # FastAPI's default /docs loads Swagger UI from a CDN; a workshop room without
    # internet would get a blank page. The same page, with the files from the package.
    # Every URL in the page is relative, and openapi.json names the proxy's prefix as its
    # server, so the page, the Authorize button (tokenUrl "token") and "Try it out" also
    # work behind jupyter-server-proxy on a JupyterHub (/user/NAME/proxy/PORT/docs).
    app.mount("/static/swagger-ui", StaticFiles(directory=_SWAGGER_UI), name="swagger-ui")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi(request: Request) -> JSONResponse:
        schema = app.openapi()
        prefix = request.headers.get("x-forwarded-prefix", "")
        if _PROXY_PREFIX.fullmatch(prefix):  # only the client's own view of the spec changes
            schema = {**schema, "servers": [{"url": prefix.rstrip("/") + "/"}]}
        return JSONResponse(schema)

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="openapi.json",
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=None,  # FastAPI would make it absolute; the password flow needs none
            swagger_js_url="static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="static/swagger-ui/favicon-32x32.png",
        )

    @app.get("/docs/oauth2-redirect", include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

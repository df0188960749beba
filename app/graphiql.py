"""GraphiQL served by Caseload itself: the page and every script and stylesheet it loads come from
this package (app/static/graphiql, pinned versions: its README), so it works offline and a page that
holds bearer tokens runs no script from another host. A Content-Security-Policy says so to the
browser: scripts, styles, fonts and connections from this origin only."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

ASSETS_DIR = Path(__file__).parent / "static" / "graphiql"
ASSETS_PATH = "/graphiql"  # where the assets are served; the page itself is GET /graphql
PAGE = "index.html"

# No inline script and no eval; 'unsafe-inline' for styles only, since GraphiQL's dialogs insert a
# <style> element (react-remove-scroll) and CodeMirror sets style attributes. 'self' in connect-src
# covers the same origin's ws:/wss: (the subscriptions socket).
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; "
    "script-src 'self'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "base-uri 'none'; "
    "form-action 'none'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@cache
def _page_html() -> str:
    return (ASSETS_DIR / PAGE).read_text(encoding="utf-8")


def page() -> HTMLResponse:
    """The GraphiQL page (GET /graphql from a browser)."""
    return HTMLResponse(_page_html(), headers={**SECURITY_HEADERS, "Cache-Control": "no-cache"})


class Assets(StaticFiles):
    """The pinned files, each with the page's security headers."""

    def __init__(self) -> None:
        super().__init__(directory=ASSETS_DIR)

    def file_response(self, full_path, stat_result, scope: Scope, status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(SECURITY_HEADERS)
        return response

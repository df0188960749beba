"""GraphiQL served by Caseload itself: the page loads every script and stylesheet from this origin
(pinned files shipped in the package), under a Content-Security-Policy that allows nothing else.
The browser test (tests/browser) opens it with every other host blocked."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import app
from app.graphiql import CONTENT_SECURITY_POLICY

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
ASSETS = Path(app.__file__).parent / "static" / "graphiql"


class References(HTMLParser):
    """Every URL the page would load: src and href attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []  # (tag, url)
        self.inline_scripts = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) is not None:
                self.urls.append((tag, attributes[name]))
        self._in_script = tag == "script" and "src" not in attributes

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script = False


async def graphiql_page(api):
    page = await api.http.get("/graphql", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 200
    return page


async def test_the_page_references_no_other_host_and_runs_no_inline_script(api):
    page = await graphiql_page(api)
    references = References()
    references.feed(page.text)

    assert references.urls, "the page loads its scripts and styles from somewhere"
    for _tag, url in references.urls:
        assert url.startswith("data:") or (url.startswith("/") and not url.startswith("//")), url
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]", page.text, re.IGNORECASE)
    assert references.inline_scripts == 0
    assert {url for tag, url in references.urls if tag == "script"} == {
        "/graphiql/react.production.min.js",
        "/graphiql/react-dom.production.min.js",
        "/graphiql/graphiql.min.js",
        "/graphiql/caseload-graphiql.js",
    }


async def test_the_page_carries_a_content_security_policy_that_allows_only_this_origin(api):
    page = await graphiql_page(api)

    directives = page.headers["content-security-policy"].split("; ")
    policy = {name: value for name, _, value in (directive.partition(" ") for directive in directives)}
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert page.headers["x-content-type-options"] == "nosniff"


async def test_every_asset_the_page_loads_answers_200_with_its_content_type(api):
    page = await graphiql_page(api)
    references = References()
    references.feed(page.text)
    expected = {".js": "javascript", ".css": "text/css"}

    served = 0
    for _tag, url in references.urls:
        if url.startswith("data:"):
            continue
        asset = await api.http.get(url)
        assert asset.status_code == 200, url
        assert expected[Path(url).suffix] in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert asset.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert asset.content == (ASSETS / Path(url).name).read_bytes()
        served += 1
    assert served == 6


def test_the_stylesheets_import_nothing_from_another_host():
    for stylesheet in ASSETS.glob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        assert "@import" not in text, stylesheet.name
        for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", text):
            assert url.startswith(("data:", "#")) or not re.match(r"[a-z]+:|//", url), (stylesheet.name, url)


def test_the_pinned_files_ship_with_their_licences():
    licences = {path.name for path in (ASSETS / "licences").iterdir()}
    assert {"react.LICENSE.txt", "react-dom.LICENSE.txt", "graphiql.LICENSE.txt", "THIRD-PARTY.txt"} <= licences
    readme = (ASSETS / "README.md").read_text(encoding="utf-8")
    for pinned in ("react@18.3.1", "react-dom@18.3.1", "graphiql@3.8.3"):
        assert pinned in readme


@pytest.mark.parametrize("path", ["/graphiql/graphiql.min.js", "/graphiql/../http.py", "/graphiql/%2e%2e/http.py"])
async def test_nothing_outside_the_assets_is_served(api, path):
    answer = await api.http.get(path)
    if path == "/graphiql/graphiql.min.js":
        assert answer.status_code == 200
    else:
        assert answer.status_code == 404

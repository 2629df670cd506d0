"""/docs (and /redoc) work offline: their JavaScript and CSS come from this service (the installed
fastapi-offline package), not a CDN, and the staff page's footer link leads there. The browser test
blocks every request that leaves the service and checks that Swagger UI renders the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from serve_support import chromium_browser, client_for, live_server, make_app, require_browser, sqlite_url

from serve.http.routes.docs import DOCS_ASSETS


@pytest.fixture(scope="module")
def client(scorer, tmp_path_factory) -> Iterator[TestClient]:
    with client_for(scorer, sqlite_url(tmp_path_factory.mktemp("docs"))) as c:
        yield c


URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url:\s*'([^']+)'""")


def referenced_urls(html: str) -> list[str]:
    """Every script, stylesheet, icon and spec URL the page names."""
    return [a or b for a, b in URL.findall(html)]


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_load_nothing_from_elsewhere(client, path):
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    urls = referenced_urls(response.text)
    assert urls, response.text
    assert not [u for u in urls if u.startswith(("http:", "https:", "//"))], urls
    assert "cdn." not in response.text and "fonts.googleapis" not in response.text
    for url in urls:
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 100, url
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp


def test_the_assets_are_the_installed_packages(client):
    bundle = client.get("/static-docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.content == (DOCS_ASSETS / "swagger-ui-bundle.js").read_bytes()
    assert "SwaggerUIBundle" in bundle.text


def test_the_page_footer_links_to_the_docs(client):
    page = client.get("/").text
    links = re.findall(r'<footer.*?</footer>', page, flags=re.S)
    assert links and 'href="/docs"' in links[0]
    assert client.get("/docs").status_code == 200


def test_docs_render_in_a_browser_without_internet(scorer, tmp_path):
    sync_api = require_browser()
    app = make_app(scorer, sqlite_url(tmp_path))
    with live_server(app) as base, chromium_browser(sync_api) as browser:
        context = browser.new_context()
        page = context.new_page()
        outside: list[str] = []
        errors: list[str] = []

        def only_local(route) -> None:  # "offline": anything not from the service is refused
            if route.request.url.startswith(base):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        page.goto(base + "/")
        page.click("footer a[href='/docs']")
        page.wait_for_url(base + "/docs")
        page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
        assert "Postwacht" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-summary-path[data-path='/v1/score/batch']", timeout=30_000)
        context.close()
    assert outside == [] and errors == []

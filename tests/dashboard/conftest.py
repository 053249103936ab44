"""Browser fixtures: the demo shop built once per session, one ``shelfwise serve`` with API keys
required, Debian's Chromium driven by Playwright (never a downloaded browser), and pages that fail
their test on any console error or failed request."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboard_shop import DemoShop, Watched, build_demo_shop

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from live_server import running_server

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> DemoShop:
    return build_demo_shop(tmp_path_factory.mktemp("dashboard") / "home")


@pytest.fixture(scope="session")
def base_url(demo_shop: DemoShop) -> Iterator[str]:
    with running_server(demo_shop.env(), demo_shop.home.parent, timeout=120) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (make install)")
    if not CHROMIUM.exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (make install runs apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def watched(browser: object, base_url: str) -> Iterator[Watched]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    seen = Watched(page)
    page.on("console", lambda m: seen.problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: seen.problems.append(f"failed: {r.url} {r.failure}"))
    page.on(
        "response", lambda r: seen.problems.append(f"status {r.status}: {r.url}") if r.status >= 400 else None
    )
    yield seen
    context.close()
    unexpected = [p for p in seen.problems if not any(e in p for e in seen.expected)]
    assert unexpected == [], unexpected

"""``make screenshots``: PNGs of every dashboard page in ``docs/dashboard/`` (or the folder given),
taken in Debian's Chromium on the small demo shop of the browser tests.

    python tests/dashboard/screenshots.py docs/dashboard
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "api")]
# The demo shop is trained with the deterministic hashing encoder, as in the tests.
os.environ.setdefault("SHELFWISE_ENCODER_PLUGINS", "fake=shelfwise.encoders.fake:HashingEncoder")

from dashboard_shop import build_demo_shop  # noqa: E402
from live_server import running_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

WIDTH = 1280


def shoot(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        shop = build_demo_shop(Path(work) / "home")
        pages = {
            "overview": "/dashboard",
            "customer-360": f"/dashboard/customers?id={shop.linked_accounts[1]}",
            "models": "/dashboard/models?version=v0001",
            "search": "/dashboard/search?q=wireless+earbudz",
            "data-quality": "/dashboard/quality",
        }
        with running_server(shop.env(), Path(work), timeout=120) as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
            page = browser.new_page(base_url=url, viewport={"width": WIDTH, "height": 900})
            page.goto("/dashboard/login")
            written = [out / "sign-in.png"]
            page.screenshot(path=written[0])
            page.get_by_label("API key").fill(shop.admin_key)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/dashboard")
            for name, path in pages.items():
                page.goto(path, wait_until="load")
                written.append(out / f"{name}.png")
                page.screenshot(path=written[-1], full_page=True)
            browser.close()
    return written


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard")):
        print(path)

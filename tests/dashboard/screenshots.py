"""``make screenshots``: PNGs of every dashboard page in ``docs/dashboard/`` (or the folder given),
taken in Debian's Chromium on the small demo shop of the browser tests.

    python tests/dashboard/screenshots.py docs/dashboard
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "api")]
# The demo shop is trained with the deterministic hashing encoder, as in the tests.
os.environ.setdefault("SHELFWISE_ENCODER_PLUGINS", "fake=shelfwise.encoders.fake:HashingEncoder")

import httpx  # noqa: E402
from dashboard_shop import build_demo_shop  # noqa: E402
from live_server import running_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

WIDTH = 1280


def run_an_experiment(url: str, admin_key: str) -> None:
    """An experiment on the home placement with some lists served and clicked, so the online page
    has something to show: 60 shoppers' home lists, the first item clicked on every third one."""
    client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_key}"}, timeout=30)
    variants = {"control": "v0001", "treatment": "v0002"}
    client.post(
        "/v1/admin/experiments", json={"name": "home-ranker", "placement": "home", "variants": variants}
    )
    clicks = []
    for n in range(1, 61):
        user = f"web-{n:06d}"
        listed = client.get(f"/v1/recommendations/{user}?k=6&placement=home").json()
        if n % 3 == 0 and listed["items"]:
            item = listed["items"][0]["item_id"]
            clicks.append({"user_id": user, "item_id": item, "type": "click", "request_id": listed["request_id"],
                           "timestamp": time.time()})  # fmt: skip
    client.post("/v1/events", json=clicks)


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
            # Last: the experiment's clicks happen now, which would move the overview's "last 30 days".
            run_an_experiment(url, shop.admin_key)
            page.goto("/dashboard/online", wait_until="load")
            written.append(out / "online-and-experiments.png")
            page.screenshot(path=written[-1], full_page=True)
            browser.close()
    return written


if __name__ == "__main__":
    for path in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/dashboard")):
        print(path)

"""The dashboard in Debian's Chromium on the demo shop: sign in, open every page and compare what it
shows with the API, find a customer, detach and re-link an account, roll back and re-activate a
model, start and stop an experiment; no console error and no failed request anywhere. Page load times are printed (target 300 ms)."""

from __future__ import annotations

import time

import httpx
import pytest
from dashboard_shop import DemoShop, Watched

pytestmark = pytest.mark.browser

PAGES = {
    "overview": "/dashboard",
    "customers": "/dashboard/customers",
    "models": "/dashboard/models",
    "online": "/dashboard/online",
    "search": "/dashboard/search?q=wireless+earbudz",
    "quality": "/dashboard/quality",
}
LOAD_TARGET_MS = 300


def _api(base_url: str, shop: DemoShop, path: str, method: str = "GET", body: object = None) -> dict:  # type: ignore[type-arg]
    response = httpx.request(
        method, base_url + path, headers={"Authorization": f"Bearer {shop.admin_key}"}, json=body, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def _sign_in(w: Watched, key: str) -> None:
    page = w.page
    page.goto("/dashboard")  # type: ignore[attr-defined]
    assert page.url.endswith("/dashboard/login")  # type: ignore[attr-defined]
    page.get_by_label("API key").fill(key)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/dashboard")  # type: ignore[attr-defined]


def _text(w: Watched, testid: str) -> str:
    return w.page.get_by_test_id(testid).inner_text().strip()  # type: ignore[attr-defined]


def _load_ms(w: Watched, path: str) -> float:
    w.page.goto(path, wait_until="load")  # type: ignore[attr-defined]
    return float(
        w.page.evaluate(  # type: ignore[attr-defined]
            "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime; }"
        )
    )


def _percent(share: float) -> str:
    return f"{share * 100:.1f}%"


def test_a_wrong_key_is_refused_and_a_read_key_cannot_act(watched: Watched, demo_shop: DemoShop) -> None:
    page = watched.page
    watched.expected.append("/dashboard/login")  # the refused sign-in answers 401, on purpose
    page.goto("/dashboard/login")  # type: ignore[attr-defined]
    page.get_by_label("API key").fill("sw_knope_wrong")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]
    assert "not valid" in page.get_by_role("alert").inner_text()  # type: ignore[attr-defined]
    watched.expected.clear()
    watched.problems.clear()

    _sign_in(watched, demo_shop.read_key)
    for path in PAGES.values():
        page.goto(path)  # type: ignore[attr-defined]
        assert page.locator("form.action").count() == 0, path  # type: ignore[attr-defined]
    # Posting an action anyway (with this browser's cookies and a valid CSRF token) is refused.
    token = page.context.cookies()  # type: ignore[attr-defined]
    csrf = next(c["value"] for c in token if c["name"] == "shelfwise_csrf")
    refused = page.request.post("/dashboard/models/rollback", form={"csrf": csrf})  # type: ignore[attr-defined]
    assert refused.status == 403 and "admin scope" in refused.text()


def test_every_page_shows_what_the_api_says(
    watched: Watched, demo_shop: DemoShop, base_url: str, capsys
) -> None:  # type: ignore[no-untyped-def]
    _sign_in(watched, demo_shop.admin_key)
    page = watched.page
    times = {name: _load_ms(watched, path) for name, path in PAGES.items()}  # each page loads once first
    times = {name: _load_ms(watched, path) for name, path in PAGES.items()}
    with capsys.disabled():
        print(
            "\ndashboard page load (ms, load event, target "
            f"{LOAD_TARGET_MS}): " + ", ".join(f"{name} {ms:.0f}" for name, ms in times.items())
        )

    overview = _api(base_url, demo_shop, "/v1/admin/overview")
    page.goto(PAGES["overview"])  # type: ignore[attr-defined]
    assert _text(watched, "kpi-events") == f"{overview['events']:,}"
    assert _text(watched, "kpi-customers") == f"{overview['customers']:,}"
    assert _text(watched, "kpi-active") == f"{overview['active_customers']:,}"
    assert _text(watched, "kpi-multichannel") == _percent(overview["multichannel_share"])
    assert _text(watched, "kpi-coverage") == _percent(overview["coverage"]["share"])
    assert _text(watched, "kpi-model") == overview["model_version"] == "v0002"
    assert overview["multichannel_customers"] > 0 and overview["events"] > 1000
    for chart in ("events-by-channel", "events-by-type"):  # Chart.js drew each plot
        assert page.evaluate(f"() => Chart.getChart('{chart}').data.datasets.length") == len(  # type: ignore[attr-defined]
            overview["events_by_channel" if "channel" in chart else "events_by_type"]
        )

    models = _api(base_url, demo_shop, "/v1/admin/models")
    page.goto(PAGES["models"])  # type: ignore[attr-defined]
    assert _text(watched, "kpi-served") == models["served"] == "v0002"
    assert _text(watched, "kpi-versions") == str(len(models["versions"])) == "2"
    page.goto("/dashboard/models?version=v0001")  # type: ignore[attr-defined]
    v1 = next(v for v in models["versions"] if v["version"] == "v0001")
    assert v1["curves"] and v1["importances"]  # the candidate ranker recorded both
    for name in v1["curves"]:
        assert page.get_by_text(name, exact=True).first.is_visible()  # type: ignore[attr-defined]
    assert page.evaluate("() => Chart.getChart('gains-0').data.labels.length") == min(
        12, len(v1["importances"]["next-item ranker"])
    )  # type: ignore[attr-defined]

    quality = _api(base_url, demo_shop, "/v1/admin/data-quality")
    page.goto(PAGES["quality"])  # type: ignore[attr-defined]
    assert _text(watched, "kpi-rejected") == str(quality["rejected_rows"]) == "3"
    assert _text(watched, "kpi-flagged") == str(len(quality["flagged"]))
    assert _text(watched, "kpi-suppressed") == str(len(quality["suppressed"]))

    insights = _api(base_url, demo_shop, "/v1/admin/search-insights")
    page.goto(PAGES["search"])  # type: ignore[attr-defined]
    assert _text(watched, "kpi-searches") == f"{insights['searches']:,}"
    assert _text(watched, "kpi-queries") == f"{insights['distinct_queries']:,}"
    results = httpx.get(
        base_url + "/v1/search?q=wireless+earbudz",
        headers={"Authorization": f"Bearer {demo_shop.read_key}"},
        timeout=30,
    ).json()
    titles = page.get_by_test_id("search-results").locator("li .item-title").all_inner_texts()  # type: ignore[attr-defined]
    assert len(titles) == len(results["items"]) > 0
    assert "earbuds" in _text(watched, "search-explanation")  # the misspelling was corrected


def test_find_a_customer_detach_and_relink_an_account(
    watched: Watched, demo_shop: DemoShop, base_url: str
) -> None:
    oldest, linked = demo_shop.linked_accounts
    _sign_in(watched, demo_shop.admin_key)
    page = watched.page
    page.goto("/dashboard/customers")  # type: ignore[attr-defined]
    page.get_by_label("Customer or account id").fill(linked)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Find").click()  # type: ignore[attr-defined]
    before = _api(base_url, demo_shop, f"/v1/customers/{linked}/explain")
    assert _text(watched, "customer-id") == f"Customer {before['customer_id']}"
    rows = page.get_by_test_id("accounts").locator("tbody tr")  # type: ignore[attr-defined]
    assert rows.count() == len(before["accounts"])
    assert page.get_by_test_id("placement-home").locator("li").count() > 0  # type: ignore[attr-defined]

    page.locator(f'tr[data-account="{linked}"]').get_by_role("button", name="Detach").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=detached**")  # type: ignore[attr-defined]
    assert "detached" in page.get_by_role("status").inner_text()  # type: ignore[attr-defined]
    alone = _api(base_url, demo_shop, f"/v1/customers/{linked}/explain")
    assert [a["user_id"] for a in alone["accounts"]] == [linked] and alone["detached"] == [linked]
    assert _text(watched, "customer-id") == f"Customer {alone['customer_id']}"

    page.locator(f'tr[data-account="{linked}"]').get_by_role("button", name="Re-link").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=reattached**")  # type: ignore[attr-defined]
    after = _api(base_url, demo_shop, f"/v1/customers/{linked}/explain")
    assert after["customer_id"] == before["customer_id"] and after["accounts"] == before["accounts"]
    assert _text(watched, "customer-id") == f"Customer {before['customer_id']}"
    assert oldest in page.get_by_test_id("accounts").inner_text()  # type: ignore[attr-defined]


def test_roll_back_and_reactivate_a_model(watched: Watched, demo_shop: DemoShop, base_url: str) -> None:
    _sign_in(watched, demo_shop.admin_key)
    page = watched.page
    page.goto("/dashboard/models")  # type: ignore[attr-defined]
    assert _text(watched, "served-version") == "v0002"
    page.get_by_role("button", name="Roll back to the previous version").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=rolled-back**")  # type: ignore[attr-defined]
    assert _text(watched, "served-version") == _text(watched, "kpi-pinned") == "v0001"
    assert _api(base_url, demo_shop, "/v1/admin/model")["version"] == "v0001"

    page.locator('tr[data-version="v0002"]').get_by_role("button", name="Activate").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=activated**")  # type: ignore[attr-defined]
    assert _text(watched, "served-version") == "v0002"
    assert _api(base_url, demo_shop, "/v1/admin/model")["version"] == "v0002"
    page.get_by_role("button", name="Follow the newest version").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=latest**")  # type: ignore[attr-defined]
    assert _text(watched, "kpi-pinned") == "none"
    assert _api(base_url, demo_shop, "/v1/admin/models")["pinned"] is None


def test_an_action_without_the_csrf_token_is_refused(
    watched: Watched, demo_shop: DemoShop, base_url: str
) -> None:
    _sign_in(watched, demo_shop.admin_key)
    forged = watched.page.request.post("/dashboard/models/rollback", form={"csrf": "guessed"})  # type: ignore[attr-defined]
    assert forged.status == 403 and "CSRF" in forged.text()
    assert _api(base_url, demo_shop, "/v1/admin/model")["version"] == "v0002"


def test_start_an_experiment_see_its_report_and_stop_it(
    watched: Watched, demo_shop: DemoShop, base_url: str
) -> None:
    _sign_in(watched, demo_shop.admin_key)
    page = watched.page
    page.goto(PAGES["online"])  # type: ignore[attr-defined]
    page.get_by_label("Name", exact=True).fill("home-ab")  # type: ignore[attr-defined]
    page.get_by_label("Placement", exact=True).select_option("home")  # type: ignore[attr-defined]
    page.get_by_label("Control version", exact=True).select_option("v0001")  # type: ignore[attr-defined]
    page.get_by_label("Treatment version", exact=True).select_option("v0002")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Start").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=created**")  # type: ignore[attr-defined]
    assert _text(watched, "status-home-ab") == "running"

    users = [f"web-{n:06d}" for n in range(1, 40)]  # demo accounts (an unknown one is routed by its id)
    clicks = []
    for user in users:
        listed = httpx.get(
            f"{base_url}/v1/recommendations/{user}?k=4&placement=home",
            headers={"Authorization": f"Bearer {demo_shop.admin_key}"},
            timeout=30,
        ).json()
        if listed.get("experiment") == "home-ab" and len(clicks) < 10:
            first = listed["items"][0]["item_id"]
            clicks.append(
                {
                    "user_id": user,
                    "item_id": first,
                    "type": "click",
                    "timestamp": time.time(),
                    "request_id": listed["request_id"],
                }
            )
    assert len(clicks) == 10  # every home list with a shopper is routed while the experiment runs
    _api(base_url, demo_shop, "/v1/events", "POST", clicks)
    report = _api(base_url, demo_shop, "/v1/admin/experiments/home-ab/report")
    page.goto(PAGES["online"])  # type: ignore[attr-defined]
    assert sum(v["clicks"] for v in report["variants"].values()) == 10
    for variant, numbers in report["variants"].items():
        row = page.locator(f'section[data-experiment="home-ab"] tr[data-variant="{variant}"] td.num')  # type: ignore[attr-defined]
        assert row.all_inner_texts()[2:4] == [f"{numbers['impressions']:,}", f"{numbers['clicks']:,}"]
    assert _text(watched, "decision-home-ab").startswith(report["decision"][:20])
    totals = page.get_by_test_id("online-totals").inner_text()  # type: ignore[attr-defined]
    assert "home" in totals and "treatment" in totals

    page.get_by_role("button", name="Stop home-ab").click()  # type: ignore[attr-defined]
    page.wait_for_url("**done=stopped**")  # type: ignore[attr-defined]
    assert _text(watched, "status-home-ab") == "stopped"
    assert _api(base_url, demo_shop, "/v1/admin/experiments/home-ab")["status"] == "stopped"

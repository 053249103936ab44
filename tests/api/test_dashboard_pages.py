"""The dashboard's gate and forms through TestClient on the tiny shop (the browser tests in
tests/dashboard drive the same pages in Chromium): sign-in, scopes, CSRF, escaping, static files."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from shelfwise.api import create_app
from shelfwise.service.context import ServiceContext
from shelfwise.service.keys import KeyService
from shelfwise.settings import Settings


def _settings(base: Settings, auth: bool) -> Settings:
    serve = base.serve.model_copy(update={"reload_poll_seconds": 0, "key_cache_seconds": 0, "auth": auth})
    return base.model_copy(update={"serve": serve})


def test_without_auth_pages_open_and_actions_need_the_csrf_token(shop: Callable[[], Settings]) -> None:
    with TestClient(create_app(_settings(shop(), auth=False))) as client:
        page = client.get("/dashboard")
        assert page.status_code == 200 and 'data-testid="kpi-events">101<' in page.text
        token = client.cookies.get("shelfwise_csrf")
        assert token and f'name="csrf" value="{token}"' not in page.text  # no action form on the overview
        client.post("/v1/accounts", json=[{"user_id": "web-0", "channel": "web", "email": "ann@example.com"}])
        customer = client.get("/dashboard/customers?id=store-ann")
        assert f'name="csrf" value="{token}"' in customer.text  # the detach buttons carry it

        forged = client.post("/dashboard/customers/detach", data={"user_id": "store-ann", "csrf": "guess"})
        assert forged.status_code == 403 and "CSRF" in forged.text
        assert client.get("/v1/customers/store-ann/explain").json()["detached"] == []
        done = client.post(
            "/dashboard/customers/detach",
            data={"user_id": "store-ann", "csrf": token},
            follow_redirects=False,
        )
        assert done.status_code == 303 and done.headers["location"].endswith(
            "done=detached&subject=store-ann"
        )
        assert client.get("/v1/customers/store-ann/explain").json()["detached"] == ["store-ann"]
        missing = client.post("/dashboard/customers/detach", data={"user_id": "nobody", "csrf": token})
        assert missing.status_code == 404 and "no account" in missing.text


def test_with_auth_the_key_decides_what_is_shown(shop: Callable[[], Settings]) -> None:
    settings = _settings(shop(), auth=True)
    keys = KeyService(ServiceContext(settings))
    read, ingest = keys.create(["read"]).key, keys.create(["ingest"]).key
    with TestClient(create_app(settings)) as client:
        first = client.get("/dashboard/models", follow_redirects=False)
        assert first.status_code == 303 and first.headers["location"] == "/dashboard/login"
        assert client.post("/dashboard/login", data={"key": ingest}).status_code == 401  # cannot read
        assert client.post("/dashboard/login", data={"key": read}, follow_redirects=False).status_code == 303
        cookie = client.cookies.get("shelfwise_key")
        assert cookie == read
        models = client.get("/dashboard/models")
        assert models.status_code == 200 and "read-only" in models.text and "Activate" not in models.text
        token = client.cookies.get("shelfwise_csrf")
        refused = client.post("/dashboard/models/rollback", data={"csrf": token})
        assert refused.status_code == 403 and "admin scope" in refused.text
        assert client.get("/v1/admin/models").status_code == 401  # API routes never take the cookie


def test_what_a_visitor_types_is_escaped(shop: Callable[[], Settings]) -> None:
    with TestClient(create_app(_settings(shop(), auth=False))) as client:
        page = client.get("/dashboard/customers", params={"id": "<script>alert(1)</script>"})
        assert page.status_code == 404
        assert "<script>alert(1)" not in page.text and "&lt;script&gt;alert(1)" in page.text
        search = client.get("/dashboard/search", params={"q": '"><img src=x onerror=alert(1)>'})
        assert search.status_code == 200 and "<img src=x" not in search.text


def test_the_vendored_chart_library_is_served(shop: Callable[[], Settings]) -> None:
    with TestClient(create_app(_settings(shop(), auth=False))) as client:
        script = client.get("/dashboard/static/vendor/chart.umd.min.js")
        assert script.status_code == 200 and script.text.startswith("/*!\n * Chart.js v4.6.1")
        assert "javascript" in script.headers["content-type"]


def test_an_experiment_started_from_the_dashboard_reports_and_stops(shop: Callable[[], Settings]) -> None:
    from api_shop import train_version

    with TestClient(create_app(_settings(shop(), auth=False))) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        train_version(engine.context)
        assert client.post("/v1/admin/reload").json()["version"] == "v0002"
        client.get("/dashboard/online")
        token = client.cookies.get("shelfwise_csrf")
        form = {
            "name": "ab1",
            "placement": "home",
            "control": "v0001",
            "treatment": "v0002",
            "traffic": "50,50",
        }
        started = client.post("/dashboard/online/experiments/create", data={**form, "csrf": token})
        assert started.status_code == 200 and "ab1 started" in started.text
        for n in range(20):  # lists on the home placement, each customer in one variant
            listed = client.get(f"/v1/recommendations/app-{n}?k=3&placement=home").json()
            assert listed["experiment"] == "ab1"
            if n % 2 == 0:
                click = {"user_id": f"app-{n}", "item_id": listed["items"][0]["item_id"], "type": "click",
                         "timestamp": 1_800_000_000 + n, "request_id": listed["request_id"]}  # fmt: skip
                assert client.post("/v1/events", json=[click]).status_code == 200
        report = client.get("/v1/admin/experiments/ab1/report").json()
        page = client.get("/dashboard/online").text
        for variant, numbers in report["variants"].items():
            row = page.split(f'data-variant="{variant}"')[1].split("</tr>")[0]
            assert f'<td class="num">{numbers["impressions"]}</td>' in row
            assert f'<td class="num">{numbers["clicks"]}</td>' in row
        assert sum(v["impressions"] for v in report["variants"].values()) == 60
        assert sum(v["clicks"] for v in report["variants"].values()) == 10
        assert report["decision"] in page.replace("&#43;", "+")
        stopped = client.post("/dashboard/online/experiments/stop", data={"name": "ab1", "csrf": token})
        assert stopped.status_code == 200 and "ab1 stopped" in stopped.text
        assert client.get("/v1/admin/experiments/ab1").json()["status"] == "stopped"
        assert "experiment" not in client.get("/v1/recommendations/app-1?placement=home").json()

"""Templates and charts of the dashboard: Jinja2 with autoescaping; a chart is data for the vendored
Chart.js (``static/vendor``) plus the same numbers as a table for screen readers and no-JS browsers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from shelfwise.api.dashboard.auth import Viewer, ensure_csrf_cookie, new_viewer_token, viewer

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
NAV = (
    ("overview", "/dashboard", "Overview"),
    ("customers", "/dashboard/customers", "Customer 360"),
    ("models", "/dashboard/models", "Models"),
    ("online", "/dashboard/online", "Online & experiments"),
    ("search", "/dashboard/search", "Search"),
    ("quality", "/dashboard/quality", "Data quality"),
)
# Okabe–Ito: told apart by people with colour-blindness, each ≥ 3:1 against white for lines.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C6D00")


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "—"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _percent(share: float | None, digits: int = 1) -> str:
    return "—" if share is None else f"{share * 100:.{digits}f}%"


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:.{digits}f}"


environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html",)),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(when=_when, percent=_percent, number=_number)


@dataclass
class Chart:
    """One plot: ``kind`` line or bar, x ``labels``, one series per name, its numbers as a table."""

    chart_id: str
    title: str
    kind: str
    labels: list[str]
    series: dict[str, list[float]]
    horizontal: bool = False
    stacked: bool = False
    y_label: str = ""
    counts: bool = True  # whole numbers (events, rows, searches); False for metrics and gains
    options: dict[str, Any] = field(default_factory=dict)

    def config(self) -> dict[str, Any]:
        """The Chart.js configuration (static/charts.js adds only shared defaults)."""
        datasets = [
            {
                "label": name,
                "data": values,
                "borderColor": PALETTE[n % len(PALETTE)],
                "backgroundColor": PALETTE[n % len(PALETTE)],
                "borderWidth": 2 if self.kind == "line" else 0,
                "pointRadius": 0 if self.kind == "line" and len(self.labels) > 40 else 2,
                "tension": 0.2,
            }
            for n, (name, values) in enumerate(self.series.items())
        ]
        scales: dict[str, Any] = {"x": {"stacked": self.stacked}, "y": {"stacked": self.stacked}}
        if self.horizontal:  # every bar keeps its name (Chart.js would skip every other one)
            scales["y"]["ticks"] = {"autoSkip": False}
        value_axis = scales["x" if self.horizontal else "y"]
        value_axis["min"] = 0  # every plotted figure is a count, a rate, a gain or a metric: never negative
        if self.counts:  # no "0.5 rows" between whole numbers
            value_axis["ticks"] = {"precision": 0}
        if self.y_label:
            scales["x" if self.horizontal else "y"]["title"] = {"display": True, "text": self.y_label}
        return {
            "type": self.kind,
            "data": {"labels": self.labels, "datasets": datasets},
            "options": {
                "indexAxis": "y" if self.horizontal else "x",
                "scales": scales,
                "plugins": {"legend": {"display": len(datasets) > 1}},
                **self.options,
            },
        }

    @property
    def height(self) -> int:
        """Pixels for the plot: horizontal bars get room for every name."""
        return max(200, 24 * len(self.labels) + 70) if self.horizontal else 260

    def rows(self) -> list[tuple[str, list[float]]]:
        return [
            (label, [values[i] for values in self.series.values()]) for i, label in enumerate(self.labels)
        ]


def bar_chart(
    chart_id: str, title: str, values: Mapping[str, float], y_label: str = "", counts: bool = True
) -> Chart:
    """Horizontal bars, largest first (names stay readable however long they are)."""
    ordered = sorted(values.items(), key=lambda kv: -kv[1])
    labels, series = [k for k, _ in ordered], {title: [v for _, v in ordered]}
    return Chart(chart_id, title, "bar", labels, series, True, y_label=y_label, counts=counts)


def line_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    y_label: str = "",
    counts: bool = True,
) -> Chart:
    """One line per series; ``None`` is a gap (no data that day), not a zero."""
    values = {k: list(v) for k, v in series.items()}
    return Chart(chart_id, title, "line", list(labels), values, y_label=y_label, counts=counts)  # type: ignore[arg-type]


def render(
    request: Request, template: str, active: str, title: str, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page for the viewer of ``request`` (who is already allowed to read)."""
    current: Viewer = new_viewer_token(viewer(request))
    engine = request.app.state.engine
    html = environment.get_template(template).render(
        nav=NAV,
        active=active,
        title=title,
        viewer=current,
        served_version=engine.version,
        auth=request.app.state.auth,
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    ensure_csrf_cookie(request, response, current)
    return response

"""Tiny server-rendered HTML for the try-it page: one layout, escaped values, no JavaScript."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from urllib.parse import quote

from shelfwise.domain import Item, ScoredItem

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:.7rem 1.5rem;display:flex;gap:1.5rem;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}
header form{margin-left:auto}
main{max-width:1100px;margin:1.2rem auto;padding:0 1.5rem}
section{background:#fff;border:1px solid #e2e5ea;border-radius:8px;padding:1rem 1.2rem;margin-bottom:1rem}
h1{font-size:1.35rem;margin:.2rem 0 .8rem} h2{font-size:1.05rem;margin:0 0 .6rem}
ol,ul{margin:0;padding-left:1.3rem} li{margin:.35rem 0}
.reason{color:#5b6470;font-size:.88rem;display:block}
.muted{color:#5b6470} .tag{display:inline-block;background:#e8eef7;border-radius:4px;padding:0 .4rem;margin-right:.3rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
input[type=text],input[type=password]{padding:.35rem .5rem;border:1px solid #c9ced6;border-radius:4px;width:16rem}
button{padding:.35rem .8rem;border:0;border-radius:4px;background:#457b9d;color:#fff;cursor:pointer}
table{border-collapse:collapse} td,th{padding:.2rem .8rem .2rem 0;text-align:left}
"""


def page(title: str, body: str, query: str = "", user_id: str = "") -> str:
    hidden = f'<input type="hidden" name="user_id" value="{escape(user_id)}">' if user_id else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(title)} · Shelfwise</title><style>{_STYLE}</style></head>
<body><header><a href="/">Shelfwise</a><a href="/docs">API docs</a>
<form action="/ui/search" method="get">{hidden}<input type="text" name="q" value="{escape(query)}"
 placeholder="Search the catalog"> <button>Search</button></form></header>
<main>{body}</main></body></html>"""


def item_link(item_id: str, catalog: Mapping[str, Item]) -> str:
    item = catalog.get(item_id)
    title = item.title if item else item_id
    return f'<a href="/ui/items/{quote(item_id, safe="")}">{escape(title)}</a>'


def item_meta(item: Item | None) -> str:
    if item is None:
        return ""
    parts = []
    if item.price is not None:
        parts.append(f"{item.price:.2f} {escape(item.currency or '')}".strip())
    if item.category:
        parts.append(escape(" › ".join(item.category)))
    return f' <span class="muted">{" · ".join(parts)}</span>' if parts else ""


def scored_list(items: Iterable[ScoredItem], catalog: Mapping[str, Item], empty: str) -> str:
    rows = [
        f"<li>{item_link(s.item_id, catalog)}{item_meta(catalog.get(s.item_id))}"
        + "".join(f'<span class="reason">{escape(r)}</span>' for r in s.reasons)
        + "</li>"
        for s in items
    ]
    return f"<ol>{''.join(rows)}</ol>" if rows else f'<p class="muted">{escape(empty)}</p>'


def section(title: str, content: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{content}</section>"


def customer_link(customer_id: str, label: str | None = None) -> str:
    return f'<a href="/ui/customers/{quote(customer_id, safe="")}">{escape(label or customer_id)}</a>'


def login_form(message: str = "") -> str:
    note = f'<p class="muted">{escape(message)}</p>' if message else ""
    return section(
        "API key",
        f"""{note}<p>This server requires an API key with the <b>read</b> scope
(<code>shelfwise keys create --scope read</code>). It is kept in a cookie for this site only.</p>
<form action="/ui/login" method="post"><input type="password" name="key" placeholder="sw_..."> <button>Use key</button></form>""",
    )

"""OpenSearch User Behavior Insights (UBI), the log format search teams already keep, both ways.

UBI has two indexes (https://github.com/opensearch-project/user-behavior-insights):

- ``ubi_queries``: one document per search answered — ``query_id``, ``client_id``, ``user_id``,
  ``user_query``, ``query_attributes``, ``query_response_hit_ids`` (the ids shown, in order),
  ``timestamp``.
- ``ubi_events``: one document per shopper action — ``action_name`` (impression, click,
  add_to_cart, purchase, search, ...), ``query_id`` (the answer it belongs to), ``client_id``,
  ``user_id``, ``timestamp`` (ISO 8601 or epoch milliseconds), ``event_attributes`` with
  ``object.object_id`` (the item), ``position.ordinal`` (its slot) and optionally
  ``object.object_detail.price``.

Mapping to Shelfwise: ``query_id`` is the ``request_id``; a query's hit ids are the server's
impressions of that list; an ``impression`` event is a client impression (what was rendered);
click / add_to_cart / purchase are events credited by the usual attribution rule; ``search`` events
feed search history; other actions (hovers, filters, sorts) have no Shelfwise meaning and are
skipped. The shopper is ``user_id``, else ``client_id`` (a browser or device).

Files are JSON lines — the two indexes in separate files, mixed in one file, or in OpenSearch's bulk
format (an ``{"index": {"_index": ..., "_id": ...}}`` line before each document; the bulk ``_id``
of an event becomes its ``event_id``).

Exporting writes Shelfwise's own log the same way; fields UBI has no name for (placement, model
version, experiment, variant, customer, propensities, event ids) travel in ``query_attributes`` and
``event_attributes``, so an export read back gives the same impressions and outcomes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from shelfwise.domain import Event, Impression, Outcome
from shelfwise.errors import IngestError, ValidationError
from shelfwise.ingest.readers import RawRow, read_rows
from shelfwise.ingest.records import parse_timestamp

APPLICATION = "shelfwise"
DEFAULT_PLACEMENT = "search"  # UBI logs come from search pages unless they say otherwise
ITEM_ID_FIELD = "item_id"  # object_id_field of the objects Shelfwise exports
QUERIES_FILE, EVENTS_FILE = "ubi_queries.jsonl", "ubi_events.jsonl"

CONTENT_KEY_PREFIX = "h:"  # idempotency keys of events stored without an event_id (ingest.pipeline)

# UBI action → Shelfwise event type; actions not listed are skipped.
ACTIONS: dict[str, str] = {
    "impression": "impression",
    "click": "click",
    "item_click": "click",
    "add_to_cart": "add_to_cart",
    "purchase": "purchase",
    "search": "search",
    "on_search": "search",
}


@dataclass(frozen=True, slots=True)
class UbiDocument:
    index: str  # ubi_queries | ubi_events
    line: int
    doc: dict[str, Any]
    bulk_id: str | None = None


@dataclass(frozen=True, slots=True)
class UbiQuery:
    """One answered query: the list shown (server impressions) and who saw it."""

    request_id: str
    user_id: str
    customer_id: str | None
    placement: str
    impressions: list[Impression]


# ---------------------------------------------------------------------- reading
def ubi_files(path: Path) -> list[Path]:
    """The files to read: ``path`` itself, or a directory's ubi_queries* and ubi_events* files."""
    if path.is_dir():
        found = sorted(path.glob("ubi_queries*")) + sorted(path.glob("ubi_events*"))
        if not found:
            raise IngestError(f"{path}: no ubi_queries* or ubi_events* file in this directory")
        return found
    return [path]


def read_ubi(path: Path, rejected: list[tuple[int, str]] | None = None) -> Iterator[UbiDocument]:
    """Every UBI document of a file (any of the three layouts); unreadable lines go to ``rejected``."""
    index_hint = "ubi_queries" if path.name.startswith("ubi_queries") else None
    index_hint = "ubi_events" if path.name.startswith("ubi_events") else index_hint
    pending: tuple[str, str | None] | None = None  # the bulk action line just read
    for row in read_rows(path):
        if row.data is None:
            if rejected is not None:
                rejected.append((row.line, row.error or "unreadable line"))
            continue
        action = _bulk_action(row)
        if action is not None:
            pending = action
            continue
        index, bulk_id = pending if pending is not None else (index_hint or _index_of(row.data), None)
        pending = None
        yield UbiDocument(index, row.line, row.data, bulk_id)


def _bulk_action(row: RawRow) -> tuple[str, str | None] | None:
    data = row.data or {}
    if len(data) != 1:
        return None
    ((verb, meta),) = data.items()
    if verb not in ("index", "create") or not isinstance(meta, dict):
        return None
    bulk_id = meta.get("_id")
    return str(meta.get("_index", "")), str(bulk_id) if bulk_id is not None else None


def _index_of(doc: dict[str, Any]) -> str:
    return "ubi_events" if "action_name" in doc else "ubi_queries"


def _shopper(doc: dict[str, Any]) -> str:
    for name in ("user_id", "client_id"):
        value = doc.get(name)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()
    raise ValidationError("neither user_id nor client_id names the shopper", "user_id")


def _text(doc: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = doc.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError("missing required field", name)
        return None
    if isinstance(value, dict | list):
        raise ValidationError("expected text", name)
    return str(value).strip()


def _attributes(doc: dict[str, Any], name: str) -> dict[str, Any]:
    value = doc.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValidationError("expected an object", name)
    return value


def parse_query(doc: dict[str, Any]) -> UbiQuery:
    """A ``ubi_queries`` document → the list it answered with (empty when it names no hit ids)."""
    request_id = _text(doc, "query_id", required=True) or ""
    user = _shopper(doc)
    attributes = _attributes(doc, "query_attributes")
    placement = str(attributes.get("placement") or DEFAULT_PLACEMENT)
    customer = attributes.get("customer_id")
    hits = doc.get("query_response_hit_ids") or []
    if not isinstance(hits, list):
        raise ValidationError("expected a list of ids", "query_response_hit_ids")
    propensities = attributes.get("propensities") or [None] * len(hits)
    timestamp = parse_timestamp(doc.get("timestamp"))
    impressions = [
        Impression(
            request_id=request_id,
            item_id=str(item_id),
            position=position,
            placement=placement,
            timestamp=timestamp,
            user_id=user,
            customer_id=customer,
            model_version=attributes.get("model_version"),
            experiment=attributes.get("experiment"),
            variant=attributes.get("variant"),
            propensity=propensity,
        )
        for position, (item_id, propensity) in enumerate(zip(hits, propensities, strict=False))
    ]
    return UbiQuery(request_id, user, customer, placement, impressions)


def parse_event(doc: dict[str, Any], bulk_id: str | None, placements: dict[str, str]) -> Event | None:
    """A ``ubi_events`` document → a Shelfwise event; None for actions Shelfwise has no use for."""
    action = (_text(doc, "action_name", required=True) or "").lower()
    kind = ACTIONS.get(action)
    if kind is None:
        return None
    attributes = _attributes(doc, "event_attributes")
    target = attributes.get("object") or {}
    detail = (target.get("object_detail") or {}) if isinstance(target, dict) else {}
    slot = attributes.get("position") or {}
    request_id = _text(doc, "query_id")
    item_id = target.get("object_id") if isinstance(target, dict) else None
    if kind != "search" and item_id in (None, ""):
        raise ValidationError(f"a {action} event needs event_attributes.object.object_id", "object_id")
    ordinal = slot.get("ordinal") if isinstance(slot, dict) else None
    if ordinal is not None and (not isinstance(ordinal, int) or isinstance(ordinal, bool) or ordinal < 0):
        raise ValidationError(f"expected a whole number >= 0, got {ordinal!r}", "position")
    price = detail.get("price") if isinstance(detail, dict) else None
    if price is not None and (not isinstance(price, int | float) or isinstance(price, bool) or price < 0):
        raise ValidationError(f"not a price: {price!r}", "price")
    placement = attributes.get("placement") or (placements.get(request_id or "") if request_id else None)
    return Event(
        user_id=_shopper(doc),
        type=kind,
        timestamp=parse_timestamp(doc.get("timestamp")),
        item_id=None if item_id in (None, "") else str(item_id),
        event_id=_text(attributes, "event_id") or bulk_id,
        value=detail.get("quantity") if isinstance(detail, dict) else None,
        price=None if price is None else float(price),
        query=_text(doc, "user_query"),
        session_id=_text(doc, "session_id") or _text(attributes, "session_id"),
        request_id=request_id,
        position=ordinal,
        placement=str(placement or DEFAULT_PLACEMENT) if request_id else None,
    )


def stored_key(doc: dict[str, Any]) -> str | None:
    """The idempotency key an exported event had in the store it came from (None: not exported)."""
    attributes = doc.get("event_attributes")
    key = attributes.get("event_key") if isinstance(attributes, dict) else None
    return key if isinstance(key, str) and key.startswith(CONTENT_KEY_PREFIX) else None


# ---------------------------------------------------------------------- writing
def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def query_documents(impressions: Iterable[Impression]) -> Iterator[dict[str, Any]]:
    """One ``ubi_queries`` document per served list (its server impressions, by first appearance)."""
    lists: dict[str, list[Impression]] = {}
    for impression in impressions:
        if impression.origin == "server":
            lists.setdefault(impression.request_id, []).append(impression)
    for request_id, rows in lists.items():
        shown = sorted(rows, key=lambda i: i.position)
        first = shown[0]
        attributes: dict[str, Any] = {"placement": first.placement}
        for name in ("model_version", "experiment", "variant", "customer_id"):
            if getattr(first, name) is not None:
                attributes[name] = getattr(first, name)
        if any(i.propensity is not None for i in shown):
            attributes["propensities"] = [i.propensity for i in shown]
        yield {
            "application": APPLICATION,
            "query_id": request_id,
            "query_response_id": request_id,
            "client_id": first.user_id,
            "user_id": first.user_id,
            "user_query": "",
            "query_attributes": attributes,
            "query_response_hit_ids": [i.item_id for i in shown],
            "timestamp": _iso(first.timestamp),
        }


def event_documents(
    impressions: Iterable[Impression], outcomes: Iterable[Outcome], user_of: dict[str, str]
) -> Iterator[dict[str, Any]]:
    """``ubi_events``: the client impressions, then the credited outcomes (their user looked up by
    the request they are credited to, since an outcome keeps the customer, not the account)."""
    for imp in impressions:
        if imp.origin == "client":
            yield _event_document("impression", imp.request_id, imp.user_id, imp.timestamp, imp.item_id, imp.position,
                                  {"placement": imp.placement})  # fmt: skip
    for out in outcomes:
        detail = {"price": out.revenue} if out.type == "purchase" else None
        # An event posted without id is known by the store's content key ("h:..."): exported as such,
        # reading the export back into the same store finds the event already there.
        id_name = "event_key" if out.event_id.startswith(CONTENT_KEY_PREFIX) else "event_id"
        extra: dict[str, Any] = {id_name: out.event_id, "placement": out.placement}
        user = user_of.get(out.request_id) or out.customer_id
        yield _event_document(
            out.type, out.request_id, user, out.timestamp, out.item_id, out.position, extra, detail
        )


def _event_document(
    action: str,
    request_id: str,
    user_id: str | None,
    timestamp: float,
    item_id: str,
    position: int,
    extra: dict[str, Any],
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    target: dict[str, Any] = {"object_id": item_id, "object_id_field": ITEM_ID_FIELD}
    if detail:
        target["object_detail"] = detail
    return {
        "application": APPLICATION,
        "action_name": action,
        "query_id": request_id,
        "client_id": user_id,
        "user_id": user_id,
        "timestamp": _iso(timestamp),
        "message_type": None,
        "message": None,
        "event_attributes": {"object": target, "position": {"ordinal": position}, **extra},
    }


def write_jsonl(path: Path, documents: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("wb") as handle:
        for document in documents:
            handle.write(orjson.dumps(document) + b"\n")
            count += 1
    return count

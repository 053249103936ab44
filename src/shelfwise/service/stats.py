"""Use case: summary counts of the store."""

from __future__ import annotations

from typing import Any

from shelfwise.service.context import ServiceContext


def store_stats(ctx: ServiceContext) -> dict[str, Any]:
    return ctx.store.stats()

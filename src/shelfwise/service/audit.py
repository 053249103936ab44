"""Use case: the suspicious-activity filter for the merchant (``shelfwise audit``)."""

from __future__ import annotations

from shelfwise.audit import AuditReport, audit_store
from shelfwise.errors import NotFoundError
from shelfwise.service.context import ServiceContext


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def run(self) -> AuditReport:
        """Detect now (as the next training will) and store the flags for review."""
        return audit_store(self._ctx.store, self._ctx.settings.audit)

    def unflag(self, user_id: str) -> bool:
        """Trust an account: never flagged again, its events train the next model. True if it was flagged."""
        store = self._ctx.store
        if store.get_account(user_id) is None:
            raise NotFoundError(f"no account {user_id!r}")
        return store.trust_user(user_id)

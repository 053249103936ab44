"""Suspicious-activity filter: fake orders (brushing), device rings, bots and impossible sequences
are flagged with a reason and kept out of training; never deleted (the merchant reviews them)."""

from shelfwise.audit.detect import AccountKeys, AuditResult, detect
from shelfwise.audit.run import AuditReport, WithoutFlagged, audit_store, training_view
from shelfwise.settings.audit import AuditSettings

__all__ = [
    "AccountKeys",
    "AuditReport",
    "AuditResult",
    "AuditSettings",
    "WithoutFlagged",
    "audit_store",
    "detect",
    "training_view",
]

"""The feedback loop: what was shown (impressions), what it earned (outcomes) and the online
metrics over both (docs/feedback.md). Reads and writes only through ``storage.base.FeedbackStore``."""

from shelfwise.feedback.attribution import AttributionResult, Attributor, is_client_impression

__all__ = ["AttributionResult", "Attributor", "is_client_impression"]

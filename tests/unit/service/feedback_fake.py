"""An in-memory ``FeedbackStore`` for use-case tests that need a log but not a database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from shelfwise.domain import Impression, Outcome


class MemoryFeedback:
    def __init__(self) -> None:
        self.impressions: list[Impression] = []
        self.outcomes: list[Outcome] = []

    def append_impressions(self, impressions: Sequence[Impression]) -> int:
        seen = {(i.request_id, i.item_id, i.origin) for i in self.impressions}
        new = [i for i in impressions if (i.request_id, i.item_id, i.origin) not in seen]
        self.impressions.extend(new)
        return len(new)

    def iter_impressions(
        self, since: float | None = None, until: float | None = None, placement: str | None = None
    ) -> Iterator[Impression]:
        for i in sorted(self.impressions, key=lambda i: i.timestamp):
            in_window = (since is None or i.timestamp >= since) and (until is None or i.timestamp < until)
            if in_window and (placement is None or i.placement == placement):
                yield i

    def impressions_of_request(self, request_id: str) -> list[Impression]:
        return [i for i in self.impressions if i.request_id == request_id]

    def latest_impression(self, customer_id: str, item_id: str, after: float) -> Impression | None:
        found = [
            i for i in self.impressions
            if i.customer_id == customer_id and i.item_id == item_id and i.timestamp >= after
        ]  # fmt: skip
        return max(found, key=lambda i: i.timestamp, default=None)

    def record_outcomes(self, outcomes: Sequence[Outcome]) -> int:
        seen = {(o.event_id, o.type) for o in self.outcomes}
        new = [o for o in outcomes if (o.event_id, o.type) not in seen]
        self.outcomes.extend(new)
        return len(new)

    def iter_outcomes(self, since: float | None = None, until: float | None = None) -> Iterator[Outcome]:
        for o in sorted(self.outcomes, key=lambda o: o.timestamp):
            if (since is None or o.timestamp >= since) and (until is None or o.timestamp < until):
                yield o

    def delete_feedback_of(self, customer_ids: Sequence[str], user_ids: Sequence[str]) -> int:
        before = len(self.impressions) + len(self.outcomes)
        self.impressions = [i for i in self.impressions if i.customer_id not in customer_ids]
        self.outcomes = [o for o in self.outcomes if o.customer_id not in customer_ids]
        return before - len(self.impressions) - len(self.outcomes)

"""Use case: estimate a model version's CTR on logged traffic before it gets any live traffic
(``shelfwise experiments estimate --version V``, ``GET /v1/admin/experiments/estimate``).

The log must come from lists served with exploration (impressions carry a propensity). Each logged
recommendation request is replayed through version ``V`` offline, for the same customer as their
history stood just before the request, and the SNIPS estimator (``experiments.offpolicy``) weighs
the logged clicks by how often ``V`` would have shown the same item in the same slot. Search lists
are not replayed (the log does not keep the query).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from shelfwise.domain import Impression
from shelfwise.errors import NotFoundError
from shelfwise.experiments.exploration import pool_size
from shelfwise.experiments.offpolicy import LoggedSlot, snips
from shelfwise.profiles import CustomerProfile, ProfileBook
from shelfwise.service.context import ServiceContext
from shelfwise.service.lists import ListService
from shelfwise.service.pipeline import ListRequest
from shelfwise.storage.base import FeedbackStore


class OffPolicyService:
    def __init__(self, ctx: ServiceContext, feedback: FeedbackStore | None = None) -> None:
        self._ctx = ctx
        self._feedback: FeedbackStore = feedback or ctx.store

    def estimate(
        self,
        version: str,
        since: float | None = None,
        placement: str | None = None,
        experiment: str | None = None,
    ) -> dict[str, Any]:
        """``experiment``: only the lists that experiment logged (else every explored list)."""
        if not self._ctx.models.is_good(version):
            raise NotFoundError(f"no good model version {version!r}")
        requests = self.logged_requests(since, placement, experiment)
        if not requests:
            raise NotFoundError(
                "no logged lists with exploration to replay: run an experiment with --exploration first"
            )
        clicked = {
            (o.request_id, o.position)
            for o in self._feedback.iter_outcomes(since=since)
            if o.type == "click" and o.request_id in requests
        }
        slots = [
            LoggedSlot(
                i.request_id,
                i.position,
                i.item_id,
                float(i.propensity or 0.0),
                (i.request_id, i.position) in clicked,
            )
            for shown in requests.values()
            for i in shown
        ]
        target = self.replay(version, requests)
        supported = self.supported(version, target, requests)
        estimate = snips(slots, target, supported)
        logged = sum(s.clicked for s in slots)
        return {
            "version": version,
            "ctr": None if estimate.ctr is None else round(estimate.ctr, 6),
            "ci95": None if estimate.ci95 is None else [round(b, 6) for b in estimate.ci95],
            "logged_requests": len(requests),
            "requests": estimate.requests,  # with full support: the ones the estimate uses
            "slots": estimate.slots,
            "matched_slots": estimate.matched,
            "effective_slots": round(estimate.effective_slots, 1),
            "logged_ctr": round(logged / len(slots), 6),
        }

    def supported(
        self, version: str, target: Mapping[str, Sequence[str]], requests: Mapping[str, Sequence[Impression]]
    ) -> set[str]:
        """Logged lists whose logging policy could have shown ``target``'s whole list: every item at
        its slot was either the logger's own item there or in its exploration pool. The logger is
        replayed (same customer, same moment) to know both; a list ``version`` served is its own."""
        by_logger: dict[str, dict[str, Sequence[Impression]]] = defaultdict(dict)
        for request_id, shown in requests.items():
            by_logger[shown[0].model_version or ""][request_id] = shown
        supported = set(by_logger.pop(version, {}))
        for logger, subset in by_logger.items():
            if not self._ctx.models.is_good(logger):
                continue  # the logging version is gone: its lists cannot be checked
            own_lists, longer = self.replay(logger, subset), self.replay(logger, subset, with_pool=True)
            for request_id, wanted in target.items():
                if request_id not in subset:
                    continue
                own = own_lists[request_id]
                pool = set([i for i in longer[request_id] if i not in own][: pool_size(len(own))])
                if all(p < len(own) and (item == own[p] or item in pool) for p, item in enumerate(wanted)):
                    supported.add(request_id)
        return supported

    def logged_requests(
        self, since: float | None, placement: str | None, experiment: str | None = None
    ) -> dict[str, list[Impression]]:
        """Server-logged recommendation lists that were served with exploration, by request id."""
        requests: dict[str, list[Impression]] = defaultdict(list)
        for impression in self._feedback.iter_impressions(since=since, placement=placement):
            if (
                impression.propensity is not None
                and impression.origin == "server"
                and impression.placement != "search"
                and (experiment is None or impression.experiment == experiment)
            ):
                requests[impression.request_id].append(impression)
        return dict(requests)

    def replay(
        self, version: str, requests: Mapping[str, Sequence[Impression]], with_pool: bool = False
    ) -> dict[str, list[str]]:
        """The list ``version`` would have served for each logged request (item ids by slot); with
        ``with_pool`` the longer list the server's exploration pool was taken from."""
        lists = ListService(self._ctx, version)
        pipeline = lists.pipeline
        source = pipeline.source("recommendations")
        subjects = {r: shown[0].user_id or shown[0].customer_id for r, shown in requests.items()}
        book = ProfileBook.load(
            self._ctx.store,
            sorted({s for s in subjects.values() if s}),
            self._ctx.settings.serve.profile_max_items,
        )
        out = {}
        for request_id, shown in requests.items():
            first, subject = shown[0], subjects[request_id]
            profile = book.get(subject) if subject else None
            profile = as_of(profile, first.timestamp) if profile is not None else None
            size = max(i.position for i in shown) + 1
            size += pool_size(size) if with_pool else 0
            request = ListRequest("recommendations", first.placement, size, subject)
            ranked = pipeline.finish(request, profile, source, source.candidates(request, profile))
            out[request_id] = [scored.item_id for scored in ranked.items]
        lists.close()
        return out


def as_of(profile: CustomerProfile, timestamp: float) -> CustomerProfile:
    """The profile as it stood just before ``timestamp`` (later engagement removed)."""
    before = tuple(e for e in profile.recent if e.timestamp < timestamp)
    bought_before = {e.item_id for e in before if e.type == "purchase"}
    bought_later = {e.item_id for e in profile.recent if e.type == "purchase" and e.timestamp >= timestamp}
    purchased = frozenset(profile.purchased - (bought_later - bought_before))
    return replace(profile, recent=before, purchased=purchased)

"""Typed settings of the click and conversion models (hang off the root Settings as ``ctr``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# What the click stage ranks by: ``ctr`` the click probability, ``ctr_cvr`` the probability that
# showing the item sells it (pCTR × pCVR), ``revenue`` its expected revenue (pCTR × pCVR × price;
# an item without a price counts as price 0 and sinks).
Objective = Literal["ctr", "ctr_cvr", "revenue"]


class CtrSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Fit the click model in `shelfwise train` when the store has impressions, and serve it.
    enabled: bool = True
    # Fewer logged impressions (or fewer than ``min_clicks`` clicks) than this: no click model.
    min_impressions: int = Field(200, ge=10)
    min_clicks: int = Field(10, ge=1)
    # The default ranks by pCTR × pCVR: a sale, the shop's goal, without the price tilt of expected
    # revenue (which would push the dearest item of every list up) nor the click-bait of pCTR alone.
    objective: Objective = "ctr_cvr"
    # Placements the click stage leaves alone even when they had impressions. Search has its own
    # learned ranker, trained on the same log (lambdarank over click/cart/purchase grades with the
    # search engine's text-match features); re-scoring its lists with the pointwise click model,
    # whose query features are fewer, would throw that order away. [] re-scores search too.
    exclude_placements: list[str] = Field(default_factory=lambda: ["search"])
    # Per-placement overrides, e.g. {"search": "ctr", "cart": "revenue"}
    # (SHELFWISE_CTR__OBJECTIVES='{"search": "ctr"}').
    objectives: dict[str, Objective] = Field(default_factory=dict)

    # Where the click stage scores each candidate. "source": in the slot the source's rank gives it
    # (the ranker's order is the prior; the log's lists, served without the stage, always had slot ==
    # source rank, so this is the question the model has data for). "top": every candidate in the
    # top slot with its source rank as a feature, which needs a log where the two differ
    # (exploration; the trained model's metrics report ``ctr_explored_share``). "attraction": at the
    # source's slot like "source", divided by that slot's examination (the model's position curve):
    # the top-slot probability under clicks = examination × attraction, asked on the log's support.
    # "auto": "top" when at least 5 % of the model's log was explored
    # (``ClickModel.learned_from_exploration``), else "source".
    serving_slot: Literal["source", "top", "attraction", "auto"] = "source"
    # Re-order only the source's first ``rerank_depth`` candidates (the rest follow in the source's
    # order); 0: all of them.
    rerank_depth: int = Field(0, ge=0)

    def objective_of(self, placement: str) -> Objective:
        return self.objectives.get(placement, self.objective)

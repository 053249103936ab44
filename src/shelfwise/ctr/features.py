"""Features of one (customer, item, context) for the click and conversion models.

The same code builds training rows (a sweep through the log in time order: every row sees only what
happened before its impression) and serving rows (the statistics frozen at training time, the
customer's live profile), so the two cannot drift apart.

Features, in ``FEATURE_NAMES`` order:
* ``position``: the slot the item was shown in — at serving always 0 (position-bias correction:
  the model learns how much of a click the slot explains, and the ranking asks "how likely at the top");
* ``placement``: which list showed it (categorical);
* item statistics from earlier impressions: impressions (log), the position-corrected click-through
  (clicks over the clicks its slots would have earned an average item: "COEC", so an item the old
  ranking always put on top does not look better for it), the purchase-after-click rate, both
  smoothed toward the global rate, the position-corrected rate times the slot's examination (what
  the position-bias model alone predicts here), engagement count (popularity, log), price (log);
* search impressions: the (query, item) click-through of earlier searches, the share of query words
  in the item's text (plain and weighted by the words' rarity in the catalog, idf), how many query
  words the item lacks, the query's and the item's lengths in words, the share of the query's
  letter trigrams found in the item's words (misspellings: "drils" still meets "drill"), the
  language model's query–item cosine;
* the customer's recent items vs the item, through the served item vectors: cosine to the last item,
  max and mean over the last ``RECENT`` items, the share of recent items in the item's category,
  whether the customer engaged with the item before, history length;
* ``source_rank``: the rank the list's source (the next-item ranker, ...) gave the item before the
  click stage reordered it — what the ranker believes this customer wants, which none of the
  features above carries. Missing (NaN) where the log does not know it (impressions ingested from
  files); never guessed from the position.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from shelfwise.domain import Item

FEATURE_NAMES: tuple[str, ...] = (
    "position",
    "placement",
    "item_log_impressions",
    "item_top_ctr",
    "item_slot_ctr",
    "item_cvr",
    "item_log_engagements",
    "log_price",
    "query_item_ctr",
    "query_overlap",
    "query_cosine",
    "cosine_last1",
    "cosine_recent_max",
    "cosine_recent_mean",
    "category_share",
    "engaged_before",
    "history_length",
    "query_idf_overlap",
    "query_missing_words",
    "query_words",
    "item_words",
    "query_trigram_overlap",
    "source_rank",
)
CATEGORICAL = ("placement",)
SOURCE_RANK = FEATURE_NAMES.index("source_rank")
RECENT = 20  # recent items compared with the candidate
HISTORY_CAP = 200  # items remembered per customer (the live profile keeps as many)
PRIOR_STRENGTH = 20.0  # pseudo-impressions pulling an item's rate toward the global rate
SLOTS = 21  # positions counted separately for the position curve; later slots share the last
_WORD = re.compile(r"\w+")


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def trigrams(bag: set[str]) -> set[str]:
    """Letter trigrams of each word, with word boundaries ("^dr", "dri", ..., "ll$")."""
    out: set[str] = set()
    for word in bag:
        padded = f"^{word}$"
        out.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return out


def query_key(query: str) -> str:
    return " ".join(_WORD.findall(query.lower()))


@dataclass
class ItemSpace:
    """What the features know about items: vectors (L2-normalised), category, price, words."""

    row_of: dict[str, int]
    vectors: np.ndarray | None  # (rows, d), None: no vectors (similarity features missing)
    category: dict[str, str]
    price: dict[str, float]
    words: dict[str, set[str]]
    idf: dict[str, float] = field(default_factory=dict)  # log(1 + items / (1 + items with the word))

    @classmethod
    def build(
        cls,
        catalog: Mapping[str, Item],
        item_ids: Sequence[str],
        vectors: np.ndarray | None,
        texts: Mapping[str, str] | None = None,
    ) -> ItemSpace:
        from shelfwise.encoders import item_text

        item_words = {
            i: words(texts[i] if texts and i in texts else item_text(it)) for i, it in catalog.items()
        }
        frequency: dict[str, int] = {}
        for bag in item_words.values():
            for word in bag:
                frequency[word] = frequency.get(word, 0) + 1
        n = max(len(item_words), 1)
        return cls(
            row_of={item_id: n for n, item_id in enumerate(item_ids)},
            vectors=vectors,
            category={i: it.category[-1] for i, it in catalog.items() if it.category},
            price={i: float(it.price) for i, it in catalog.items() if it.price is not None},
            words=item_words,
            idf={word: math.log(1 + n / (1 + count)) for word, count in frequency.items()},
        )

    def rarity(self, word: str) -> float:
        """idf of a word; a word no item has is as rare as it gets."""
        return self.idf.get(word, math.log(1 + len(self.words)))

    def vector(self, item_id: str) -> np.ndarray | None:
        row = self.row_of.get(item_id)
        if row is None or self.vectors is None:
            return None
        return self.vectors[row]


@dataclass
class ItemStats:
    """Counts from impressions and engagement up to a point in time (serialised with the model)."""

    impressions: dict[str, int] = field(default_factory=dict)
    clicks: dict[str, int] = field(default_factory=dict)
    purchases: dict[str, int] = field(default_factory=dict)
    engagements: dict[str, int] = field(default_factory=dict)
    query_item: dict[str, list[int]] = field(default_factory=dict)  # "query\x1fitem" → [shown, clicked]
    # Clicks an average item would have earned in the slots this item was shown in, in units of the
    # top slot's click rate (the denominator of the position-corrected click-through).
    expected: dict[str, float] = field(default_factory=dict)
    # Examination probability per slot relative to the top (``examination_curve``); empty: from the
    # raw click rates per slot.
    curve: list[float] = field(default_factory=list)
    slot_impressions: list[int] = field(default_factory=lambda: [0] * SLOTS)
    slot_clicks: list[int] = field(default_factory=lambda: [0] * SLOTS)
    total_impressions: int = 0
    total_clicks: int = 0
    total_purchases: int = 0

    @property
    def global_ctr(self) -> float:
        return (self.total_clicks + 1.0) / (self.total_impressions + 10.0)

    @property
    def global_cvr(self) -> float:
        return (self.total_purchases + 1.0) / (self.total_clicks + 10.0)

    def ctr(self, item_id: str) -> float:
        shown = self.impressions.get(item_id, 0)
        return (self.clicks.get(item_id, 0) + PRIOR_STRENGTH * self.global_ctr) / (shown + PRIOR_STRENGTH)

    def slot_rate(self, position: int) -> float:
        slot = min(position, SLOTS - 1)
        return (self.slot_clicks[slot] + 10.0 * self.global_ctr) / (self.slot_impressions[slot] + 10.0)

    def examination(self, position: int) -> float:
        """How much of the top slot's click rate this slot gets (1 at the top)."""
        if self.curve:
            return self.curve[min(position, SLOTS - 1)]
        return min(max(self.slot_rate(position) / self.slot_rate(0), 0.01), 1.0)

    def deepest_slot(self) -> int:
        """The lowest slot any impression was shown in (later slots share the last counted one)."""
        shown = [slot for slot, count in enumerate(self.slot_impressions) if count > 0]
        return shown[-1] if shown else 0

    def top_ctr(self, item_id: str) -> float:
        """The item's click rate as if always shown at the top (position-corrected, smoothed)."""
        expected = self.expected.get(item_id, 0.0)
        return (self.clicks.get(item_id, 0) + PRIOR_STRENGTH * self.slot_rate(0)) / (
            expected + PRIOR_STRENGTH
        )

    def cvr(self, item_id: str) -> float:
        clicked = self.clicks.get(item_id, 0)
        return (self.purchases.get(item_id, 0) + PRIOR_STRENGTH * self.global_cvr) / (
            clicked + PRIOR_STRENGTH
        )

    def query_ctr(self, query: str | None, item_id: str) -> float:
        if not query:
            return math.nan
        shown, clicked = self.query_item.get(f"{query_key(query)}\x1f{item_id}", (0, 0))
        return (clicked + 5.0 * self.global_ctr) / (shown + 5.0)

    def add_impression(self, item_id: str, query: str | None, position: int) -> None:
        self.impressions[item_id] = self.impressions.get(item_id, 0) + 1
        self.expected[item_id] = self.expected.get(item_id, 0.0) + self.examination(position)
        self.slot_impressions[min(position, SLOTS - 1)] += 1
        self.total_impressions += 1
        if query:
            self.query_item.setdefault(f"{query_key(query)}\x1f{item_id}", [0, 0])[0] += 1

    def add_click(self, item_id: str, query: str | None, position: int) -> None:
        self.clicks[item_id] = self.clicks.get(item_id, 0) + 1
        self.slot_clicks[min(position, SLOTS - 1)] += 1
        self.total_clicks += 1
        if query:
            self.query_item.setdefault(f"{query_key(query)}\x1f{item_id}", [0, 0])[1] += 1

    def add_purchase(self, item_id: str) -> None:
        self.purchases[item_id] = self.purchases.get(item_id, 0) + 1
        self.total_purchases += 1

    def add_engagement(self, item_id: str) -> None:
        self.engagements[item_id] = self.engagements.get(item_id, 0) + 1


class RecentItems:
    """A customer's engaged items, oldest first, consecutive repeats collapsed, capped."""

    def __init__(self, items: Sequence[str] = ()) -> None:
        self.items: deque[str] = deque(maxlen=HISTORY_CAP)
        for item in items:
            self.add(item)

    def add(self, item_id: str) -> None:
        if not self.items or self.items[-1] != item_id:
            self.items.append(item_id)


@dataclass(frozen=True)
class Context:
    """Where and for whom the items are (or were) shown."""

    placement: int  # code of the placement (``-1``: unknown)
    position: int
    query: str | None = None
    query_vector: np.ndarray | None = None


def feature_rows(
    items: Sequence[str],
    context: Context,
    history: RecentItems,
    stats: ItemStats,
    space: ItemSpace,
    source_ranks: Sequence[int | None] | None = None,
    positions: Sequence[int] | None = None,
) -> np.ndarray:
    """One row per item, ``FEATURE_NAMES`` columns (NaN: not known, e.g. no query).

    ``source_ranks``: per item, its rank in the source's list (None: not known); ``positions``: per
    item, the slot it is (or would be) shown in, instead of ``context.position`` for all."""
    rows = np.full((len(items), len(FEATURE_NAMES)), np.nan, dtype=np.float32)
    slots = list(positions) if positions is not None else [context.position] * len(items)
    rows[:, 0] = slots
    if source_ranks is not None:
        rows[:, SOURCE_RANK] = [math.nan if r is None else r for r in source_ranks]
    rows[:, 1] = context.placement
    recent = list(history.items)[-RECENT:]
    recent_vectors = _vectors(recent, space)
    query_words = words(context.query) if context.query else set()
    query_weight = sum(space.rarity(w) for w in query_words)
    query_trigrams = trigrams(query_words)
    seen = set(history.items)
    categories = [space.category.get(i) for i in recent]
    examination = {slot: stats.examination(slot) for slot in set(slots)}
    for n, item_id in enumerate(items):
        row = rows[n]
        row[2] = math.log1p(stats.impressions.get(item_id, 0))
        row[3] = stats.top_ctr(item_id)
        row[4] = row[3] * examination[slots[n]]
        row[5] = stats.cvr(item_id)
        row[6] = math.log1p(stats.engagements.get(item_id, 0))
        price = space.price.get(item_id)
        row[7] = math.log1p(price) if price is not None else math.nan
        if context.query:
            row[8] = stats.query_ctr(context.query, item_id)
            item_words = space.words.get(item_id, set())
            matched = query_words & item_words
            row[9] = len(matched) / max(len(query_words), 1)
            row[17] = sum(space.rarity(w) for w in matched) / max(query_weight, 1e-9)
            row[18] = len(query_words) - len(matched)
            row[19] = len(query_words)
            row[21] = len(query_trigrams & trigrams(item_words)) / max(len(query_trigrams), 1)
        row[20] = len(space.words.get(item_id, ()))
        vector = space.vector(item_id)
        if vector is not None and context.query_vector is not None:
            row[10] = float(vector @ context.query_vector)
        if vector is not None and recent_vectors is not None:
            cosines = recent_vectors @ vector
            row[11], row[12], row[13] = cosines[-1], cosines.max(), cosines.mean()
        category = space.category.get(item_id)
        if recent and category is not None:
            row[14] = sum(c == category for c in categories) / len(recent)
        row[15] = float(item_id in seen)
        row[16] = len(history.items)
    return rows


def _vectors(item_ids: Sequence[str], space: ItemSpace) -> np.ndarray | None:
    vectors = [v for v in (space.vector(i) for i in item_ids) if v is not None]
    return np.stack(vectors) if vectors else None


def examination_curve(
    positions: np.ndarray, items: np.ndarray, clicked: np.ndarray, iterations: int = 30
) -> list[float]:
    """P(a shopper looks at slot p) relative to the top slot, from a log whose items moved between
    slots: clicks = examination(slot) × attraction(item), fitted by alternating the two (the
    position-bias model of Wang et al., "Position Bias Estimation for Unbiased Learning to Rank",
    2018). Raw click rates per slot would credit a slot with the quality of what the old ranking
    put there; items seen in several slots separate the two.

    ``items``: integer codes; returns ``SLOTS`` values, 1.0 first, non-increasing."""
    slots = np.minimum(positions, SLOTS - 1)
    n_items = int(items.max()) + 1 if len(items) else 0
    theta = np.ones(SLOTS)
    clicks_per_item = np.bincount(items, weights=clicked, minlength=n_items)
    clicks_per_slot = np.bincount(slots, weights=clicked, minlength=SLOTS)
    for _ in range(iterations):
        exposure = np.bincount(items, weights=theta[slots], minlength=n_items)
        prior = clicks_per_item.sum() / max(exposure.sum(), 1e-9)
        gamma = (clicks_per_item + 1.0 * prior) / (exposure + 1.0)
        reach = np.bincount(slots, weights=gamma[items], minlength=SLOTS)
        theta = np.where(reach > 0, clicks_per_slot / np.maximum(reach, 1e-9), np.nan)
        theta = theta / theta[0] if theta[0] > 0 else np.ones(SLOTS)
        theta = _fill_and_flatten(theta)
    return [float(t) for t in theta]


def geometric_curve(positions: np.ndarray, clicked: np.ndarray) -> list[float]:
    """P(a shopper looks at slot p) relative to the top as γ^p, by maximum likelihood on impressions
    whose item was put in its slot at random (explored slots): there the slot is independent of the
    item and of the shopper, so clicks = α · γ^slot with one α for all. The alternating fit above
    cannot tell a slot's examination from how much more the shopper wants what a ranker put high
    (on a loop's round 1 it gave slot 9 0.08 of the top where the simulator's truth is 0.23); a
    randomised slice can, and one parameter is what its hundred-odd clicks pin down.

    Returns ``SLOTS`` values, 1.0 first."""
    slots = np.minimum(positions, SLOTS - 1).astype(np.int64)
    shown = np.bincount(slots, minlength=SLOTS).astype(np.float64)
    clicks = np.bincount(slots, weights=clicked.astype(np.float64), minlength=SLOTS)
    power = np.arange(SLOTS)
    best, best_gamma = -np.inf, 1.0
    for gamma in np.linspace(0.2, 1.0, 161):
        reach = gamma**power
        alpha = min(clicks.sum() / max(float(shown @ reach), 1e-9), 1 - 1e-6)
        rate = np.clip(alpha * reach, 1e-12, 1 - 1e-12)
        likelihood = float(clicks @ np.log(rate) + (shown - clicks) @ np.log(1 - rate))
        if likelihood > best:
            best, best_gamma = likelihood, float(gamma)
    return [max(best_gamma**p, 0.01) for p in range(SLOTS)]


def _fill_and_flatten(theta: np.ndarray) -> np.ndarray:
    """Slots never shown take the previous slot's value; values are clipped to (0.01, 1] and made
    non-increasing (a lower slot is never examined more)."""
    out = np.ones_like(theta)
    for n in range(len(theta)):
        value = theta[n] if np.isfinite(theta[n]) else out[n - 1] if n else 1.0
        out[n] = min(max(value, 0.01), out[n - 1] if n else 1.0)
    return out

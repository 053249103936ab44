"""A LightGBM model's trees evaluated with numpy, without importing LightGBM.

A one-off ``shelfwise search`` scores a few hundred candidates once: importing LightGBM for it
(``lightgbm.basic`` imports scipy.sparse, which imports much of numpy's test and f2py tooling)
cost ~0.4 s of Home Depot's one-off search at load 5, the prediction itself milliseconds. This
reads the saved model text and follows LightGBM's own prediction rules, so the scores are the same
doubles (tests compare them with ``Booster.predict`` bit for bit):

* a feature value is the float32 input widened to double; values of magnitude at most
  ``kZeroThreshold`` are dropped by its dense-row reader, i.e. read as 0.0;
* a numerical split sends NaN to 0.0 unless its missing type is NaN, sends "missing" (zero for
  missing type Zero, NaN for missing type NaN) the default way, and otherwise goes left when
  ``value <= threshold`` (thresholds and leaf values are written with 17 significant digits);
* the raw score is the sum of the trees' leaf values in tree order, starting from 0.0.

Only what that covers is accepted (one tree per iteration, no categorical splits, no linear trees,
no averaged output, an objective whose output is the raw score); ``None`` otherwise, and the
caller loads LightGBM.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

# LightGBM's ``kZeroThreshold`` is the float literal 1e-35f, compared as a double.
ZERO_THRESHOLD = float(np.float32(1e-35))
RAW_OUTPUT_OBJECTIVES = ("lambdarank", "rank_xendcg", "regression")  # ConvertOutput is the identity
_MISSING_ZERO, _MISSING_NAN = 1, 2


@dataclass(frozen=True)
class NumpyTrees:
    """All trees' nodes in flat arrays; a child below 0 is a leaf (``~child``)."""

    node_start: np.ndarray  # (trees,) first node of each tree in the flat arrays
    leaf_start: np.ndarray  # (trees,) first leaf of each tree
    single_leaf: np.ndarray  # (trees,) bool: a tree with no split (its one leaf answers)
    feature: np.ndarray
    threshold: np.ndarray  # float64
    default_left: np.ndarray  # bool
    missing: np.ndarray  # 0 none, 1 zero, 2 NaN
    left: np.ndarray
    right: np.ndarray
    leaf_value: np.ndarray  # float64
    features: int  # max_feature_idx + 1

    def num_trees(self) -> int:
        return len(self.node_start)

    def predict(self, data: np.ndarray, num_threads: int = 1) -> np.ndarray:
        """Raw scores of ``data`` (rows × features), as ``lightgbm.Booster.predict`` gives them."""
        del num_threads  # one thread: the signature is Booster.predict's, as SearchRanker calls it
        values = np.asarray(data, dtype=np.float32).astype(np.float64)
        if values.ndim != 2 or values.shape[1] != self.features:
            raise ValueError(f"expected rows of {self.features} features, got shape {values.shape}")
        values[np.abs(values) <= ZERO_THRESHOLD] = 0.0  # dropped by LightGBM's row reader
        rows, trees = len(values), self.num_trees()
        node = np.where(self.single_leaf, -1, 0)[None, :].repeat(rows, axis=0)  # local node ids
        while True:
            row, tree = np.nonzero(node >= 0)
            if len(row) == 0:
                break
            at = self.node_start[tree] + node[row, tree]
            value = values[row, self.feature[at]]
            missing = self.missing[at]
            nan = np.isnan(value)
            value = np.where(nan & (missing != _MISSING_NAN), 0.0, value)
            default = ((missing == _MISSING_ZERO) & (np.abs(value) <= ZERO_THRESHOLD)) | (
                (missing == _MISSING_NAN) & nan
            )
            go_left = np.where(default, self.default_left[at], value <= self.threshold[at])
            node[row, tree] = np.where(go_left, self.left[at], self.right[at])
        leaves = self.leaf_value[self.leaf_start[None, :] + ~node]  # (rows, trees)
        if trees == 0:
            return np.zeros(rows, dtype=np.float64)
        return np.cumsum(leaves, axis=1)[:, -1]  # a running sum: tree by tree, as LightGBM adds


def load_trees(path: Path) -> NumpyTrees | None:
    """The model saved at ``path`` (LightGBM's text format), or None when it uses anything the
    evaluator does not follow (see the module docstring)."""
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current = header
    for line in path.read_text().splitlines():
        if line.startswith("Tree="):
            current = {}
            trees.append(current)
        elif line.startswith("end of trees"):
            break
        elif "=" in line:
            key, _, value = line.partition("=")
            current[key] = value
    objective = header.get("objective", "").split(" ")[0]
    if (
        header.get("num_tree_per_iteration", "1") != "1"
        or header.get("num_class", "1") != "1"
        or "average_output" in header
        or objective not in RAW_OUTPUT_OBJECTIVES
        or "max_feature_idx" not in header
    ):
        return None
    if any(tree.get("num_cat", "0") != "0" or tree.get("is_linear", "0") != "0" for tree in trees):
        return None
    return _flatten(trees, int(header["max_feature_idx"]) + 1)


def _numbers(tree: dict[str, str], key: str, kind: type) -> np.ndarray:
    text = tree.get(key, "")
    return np.array(
        [kind(x) for x in text.split()] if text else [], dtype=np.float64 if kind is float else np.int64
    )


def _flatten(trees: list[dict[str, str]], features: int) -> NumpyTrees:
    node_start, leaf_start, single = [], [], []
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("feature", "threshold", "decision", "left", "right", "leaf")
    }
    nodes = leaves = 0
    for tree in trees:
        leaf_values = _numbers(tree, "leaf_value", float)
        splits = int(tree["num_leaves"]) - 1
        node_start.append(nodes)
        leaf_start.append(leaves)
        single.append(splits == 0)
        parts["leaf"].append(leaf_values)
        leaves += len(leaf_values)
        if splits == 0:
            continue
        for key, name, kind in (
            ("split_feature", "feature", int),
            ("threshold", "threshold", float),
            ("decision_type", "decision", int),
            ("left_child", "left", int),
            ("right_child", "right", int),
        ):
            values = _numbers(tree, key, kind)
            if len(values) != splits:
                raise ValueError(f"tree has {len(values)} {key} for {splits} splits")
            parts[name].append(values)
        nodes += splits
    decision = np.concatenate(parts["decision"]) if parts["decision"] else np.zeros(0, dtype=np.int64)

    def joined(name: str, dtype: type) -> np.ndarray:
        return np.concatenate(parts[name]).astype(dtype) if parts[name] else np.zeros(0, dtype=dtype)

    return NumpyTrees(
        node_start=np.asarray(node_start, dtype=np.int64),
        leaf_start=np.asarray(leaf_start, dtype=np.int64),
        single_leaf=np.asarray(single, dtype=bool),
        feature=joined("feature", np.int64),
        threshold=joined("threshold", np.float64),
        default_left=(decision & 2) != 0,
        missing=(decision >> 2) & 3,
        left=joined("left", np.int64),
        right=joined("right", np.int64),
        leaf_value=joined("leaf", np.float64),
        features=features,
    )

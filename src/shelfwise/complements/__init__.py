"""Complementary and similar items: behaviour across channels (baskets, follow-up purchases,
co-views), category-level relations, and item text for items nobody has bought yet.

See ``docs/complements.md`` for the model and the measured experiment.
"""

from shelfwise.complements.evidence import Evidence
from shelfwise.complements.fresh import FreshComplements
from shelfwise.complements.model import ComplementConfig, ComplementModel
from shelfwise.complements.training import COMPLEMENTS_DIR, build_complement_model, fit_complements

__all__ = [
    "COMPLEMENTS_DIR",
    "ComplementConfig",
    "ComplementModel",
    "Evidence",
    "FreshComplements",
    "build_complement_model",
    "fit_complements",
]

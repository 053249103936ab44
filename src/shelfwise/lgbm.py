"""LightGBM, imported without scikit-learn.

Shelfwise uses only LightGBM's native API (``train``, ``Dataset``, ``Booster``, callbacks). A plain
``import lightgbm`` also imports scikit-learn when it is installed, for LightGBM's optional
scikit-learn-style estimators: 2.6 s of a 3.5-s import on a loaded 2-core machine, paid by every
process that loads a model (a server's start-up, each one-off ``shelfwise search``). Predictions
come from the same native booster either way.
"""

from __future__ import annotations

import sys
from types import ModuleType


def import_lightgbm() -> ModuleType:
    """The ``lightgbm`` module; when this is its first import, scikit-learn is kept out of it."""
    if "lightgbm" in sys.modules or "sklearn" in sys.modules:  # nothing left to save
        import lightgbm

        return lightgbm
    sys.modules["sklearn"] = None  # type: ignore[assignment]  # "import sklearn" raises ImportError
    try:
        import lightgbm
    finally:
        del sys.modules["sklearn"]  # a later ``import sklearn`` elsewhere works as usual
    return lightgbm

"""One trained demo shop per session for the complement tests (see complement_shop.py)."""

from __future__ import annotations

import pytest
from complement_shop import TrainedShop, build_trained_shop


@pytest.fixture(scope="session")
def trained_shop(tmp_path_factory: pytest.TempPathFactory) -> TrainedShop:
    return build_trained_shop(tmp_path_factory.mktemp("complement-shop"))

"""Fixtures of the API tests: the tiny shop of ``api_shop``, built once per module."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest
from api_shop import build_shop, shop_settings

from shelfwise.settings import Settings


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Callable[[], Settings]:
    """A trained shop built once per module; each call copies it so tests cannot see each other's writes."""
    base = tmp_path_factory.mktemp("shop")
    build_shop(base / "home", base)
    copies = iter(range(1000))

    def fresh_copy() -> Settings:
        home = base / f"home-{next(copies)}"
        shutil.copytree(base / "home", home)
        return shop_settings(home)

    return fresh_copy

"""Keyed hashing and the installation secret file."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import pytest

from shelfwise.errors import ConfigError
from shelfwise.identity import AccountIdentity, KeyHasher, hash_account, load_or_create_secret

SECRET = b"s" * 32


def test_hash_is_hmac_sha256_of_kind_and_value() -> None:
    expected = hmac.new(SECRET, b"email:ann@example.com", hashlib.sha256).hexdigest()
    assert KeyHasher(SECRET).hash("email", "ann@example.com") == expected


def test_same_input_same_hash_other_secret_other_hash() -> None:
    a, b = KeyHasher(SECRET), KeyHasher(b"t" * 32)
    assert a.hash("phone", "15551234567") == a.hash("phone", "15551234567")
    assert a.hash("phone", "15551234567") != b.hash("phone", "15551234567")
    assert a.hash("phone", "15551234567") != a.hash("member_id", "15551234567")  # kind is hashed too


def test_hashed_account_holds_no_raw_value() -> None:
    raw = AccountIdentity(
        "u1", 1, "web", email=" Ann@Example.com", phone="+1 (555) 123-4567", member_id="sw-1", handle="@ann"
    )
    hashed = hash_account(raw, KeyHasher(SECRET))
    text = repr(hashed)
    for fragment in ("ann@example.com", "Ann@Example.com", "5551234567", "15551234567", "SW1", "sw-1"):
        assert fragment not in text
    assert "Example" not in repr(raw)  # even the raw record keeps its values out of logs
    assert [(key.kind, key.strong) for key in hashed.keys] == [
        ("email", True),
        ("phone", True),
        ("member_id", True),
        ("handle", False),
    ]


def test_invalid_values_are_reported_not_hashed() -> None:
    raw = AccountIdentity("u1", 1, "store", email="nobody", phone="12-34", member_id="  ")
    hashed = hash_account(raw, KeyHasher(SECRET))
    assert hashed.keys == ()
    assert [(r.kind, r.user_id) for r in hashed.rejected] == [
        ("email", "u1"),
        ("phone", "u1"),
        ("member_id", "u1"),
    ]


def test_secret_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "state" / "identity.key"
    first = load_or_create_secret(path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(path) == first


def test_truncated_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "identity.key"
    path.write_bytes(b"short")
    with pytest.raises(ConfigError):
        load_or_create_secret(path)


def test_hasher_repr_hides_secret() -> None:
    assert "sss" not in repr(KeyHasher(SECRET))

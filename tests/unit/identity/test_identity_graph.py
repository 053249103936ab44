"""Linking rules, explanations, overrides and customer-id stability on tiny known cases."""

from __future__ import annotations

import pytest

from shelfwise.errors import NotFoundError, ValidationError
from shelfwise.identity import (
    AccountIdentity,
    HashedAccount,
    KeyHasher,
    Overrides,
    customer_id_for,
    explain,
    hash_account,
    resolve,
)

HASHER = KeyHasher(b"k" * 32)


def account(user_id: str, seq: int, **keys: str) -> HashedAccount:
    return hash_account(AccountIdentity(user_id, seq, keys.pop("channel", None), **keys), HASHER)


def test_strong_keys_link_across_channels_and_formats() -> None:
    web = account("web-1", 1, email="Ann@Example.com ")
    store = account("store-1", 2, email="ann@example.com", phone="555.123.4567")
    app = account("app-1", 3, phone="+1 (555) 123-4567")
    stranger = account("web-2", 4, email="bo@example.com")
    result = resolve([app, stranger, web, store])
    assert result.customer_of["app-1"] == result.customer_of["web-1"] == result.customer_of["store-1"]
    assert result.customer_of["web-2"] != result.customer_of["web-1"]
    assert result.members[customer_id_for("web-1")] == ["web-1", "store-1", "app-1"]


def test_weak_keys_never_merge() -> None:
    tablet = [account(f"app-{i}", i, device_id="family-tablet", handle="@jo") for i in range(4)]
    result = resolve(tablet)
    assert len(result.members) == 4
    assert result.links == []


def test_key_shared_by_too_many_accounts_is_suppressed_and_reported() -> None:
    walk_ins = [account(f"store-{i}", i, phone="(999) 555-0100") for i in range(11)]
    # two of the walk-ins are also linked by a real key, which still works
    walk_ins.append(account("web-0", 20, email="ann@example.com"))
    walk_ins[0] = account("store-0", 0, phone="(999) 555-0100", email="ann@example.com")
    result = resolve(walk_ins, max_accounts_per_key=10)
    assert [(k.kind, k.n_accounts) for k in result.suppressed_keys] == [("phone", 11)]
    assert len(result.suppressed_keys[0].hash_prefix) == 12
    assert result.customer_sizes()[:2] == [2, 1]
    assert resolve(walk_ins, max_accounts_per_key=11).customer_sizes()[0] == 12


def test_explain_lists_linking_keys_and_suppressed_keys() -> None:
    accounts = [
        account("a", 1, email="ann@example.com"),
        account("b", 2, email="ann@example.com", member_id="sw-1"),
        account("c", 3, member_id="SW 1", phone="(999) 555-0100"),
        *[account(f"walk-{i}", 10 + i, phone="(999) 555-0100") for i in range(10)],
    ]
    result = resolve(accounts)
    explanation = explain(result, result.customer_of["c"])
    assert explanation.user_ids == ("a", "b", "c")
    assert {(link.user_a, link.user_b, link.kind) for link in explanation.links} == {
        ("a", "b", "email"),
        ("b", "c", "member_id"),
    }
    assert [key.kind for key in explanation.suppressed_keys] == ["phone"]
    lines = explanation.lines()
    assert any("via email:" in line for line in lines) and any("ignored phone:" in line for line in lines)
    with pytest.raises(NotFoundError):
        explain(result, "c-missing")


def test_detach_survives_re_resolution_and_reattach_restores() -> None:
    accounts = [account("a", 1, email="ann@example.com"), account("b", 2, email="ann@example.com")]
    overrides = Overrides().detach("b")
    stored = Overrides.from_dict(overrides.to_dict())  # overrides are plain persisted data
    result = resolve(accounts, stored.detached)
    assert result.customer_of == {"a": customer_id_for("a"), "b": customer_id_for("b")}
    # a new account sharing b's email joins a, not b: b's keys stay out of linking
    more = [*accounts, account("c", 3, email="ann@example.com")]
    again = resolve(more, stored.detached)
    assert again.customer_of["c"] == customer_id_for("a") != again.customer_of["b"]
    assert explain(again, customer_id_for("b")).detached == ("b",)
    restored = resolve(more, stored.reattach("b").detached)
    assert set(restored.customer_of.values()) == {customer_id_for("a")}


def test_customer_id_is_stable_when_adding_accounts_and_older_id_wins_a_merge() -> None:
    old = [account("x", 5, email="ann@example.com"), account("y", 9, phone="555-123-4567")]
    before = resolve(old)
    assert before.customer_of == {"x": customer_id_for("x"), "y": customer_id_for("y")}
    joined = resolve([*old, account("z", 12, email="ANN@example.com")])
    assert joined.customer_of["z"] == customer_id_for("x")
    bridge = resolve([*old, account("z", 12, email="ann@example.com", phone="5551234567")])
    assert set(bridge.customer_of.values()) == {customer_id_for("x")}  # x (seq 5) is older than y


def test_result_does_not_depend_on_input_order() -> None:
    accounts = [account(f"u{i}", i, email=f"p{i % 3}@example.com") for i in range(9)]
    forward, backward = resolve(accounts), resolve(list(reversed(accounts)))
    assert forward.customer_of == backward.customer_of
    assert forward.links == backward.links


def test_duplicate_user_ids_are_refused() -> None:
    with pytest.raises(ValidationError):
        resolve([account("a", 1), account("a", 2)])

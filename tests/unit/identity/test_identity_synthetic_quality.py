"""End to end on the synthetic omnichannel set: the traps hold and the evidence is found."""

from __future__ import annotations

import pytest

from shelfwise.identity import KeyHasher, Resolution, hash_account, pairwise_scores, resolve
from shelfwise.identity.quality import cluster_pairs
from shelfwise.testing.synthetic_accounts import SyntheticAccountSet, generate_accounts


@pytest.fixture(scope="module")
def synthetic() -> SyntheticAccountSet:
    return generate_accounts(n_people=2_000, seed=7)


@pytest.fixture(scope="module")
def resolution(synthetic: SyntheticAccountSet) -> Resolution:
    hasher = KeyHasher(b"q" * 32)
    return resolve([hash_account(a, hasher, synthetic.default_country) for a in synthetic.accounts])


def test_generator_is_deterministic_and_has_its_traps(synthetic: SyntheticAccountSet) -> None:
    again = generate_accounts(n_people=2_000, seed=7)
    assert again.accounts == synthetic.accounts and again.true_pairs == synthetic.true_pairs
    assert len(synthetic.walk_in_user_ids) == 300
    assert len({synthetic.person_of[u] for u in synthetic.walk_in_user_ids}) == 300
    assert all(2 <= len(set(people)) <= 4 for people in synthetic.family_devices.values())
    assert synthetic.shared_handles and synthetic.invalid_values > 0
    assert any(a.email is None and a.phone is None and a.member_id is None for a in synthetic.accounts)


def test_pairwise_precision_and_recall(synthetic: SyntheticAccountSet, resolution: Resolution) -> None:
    scores = pairwise_scores(resolution.members.values(), synthetic.true_pairs)
    assert scores.n_true > 1_000
    assert scores.precision >= 0.99
    assert scores.recall >= 0.99


def test_store_default_phone_is_suppressed_and_absorbs_nobody(
    synthetic: SyntheticAccountSet, resolution: Resolution
) -> None:
    assert [(k.kind, k.n_accounts) for k in resolution.suppressed_keys] == [("phone", 300)]
    assert set(resolution.suppressed_keys[0].user_ids) == set(synthetic.walk_in_user_ids)
    assert max(resolution.customer_sizes()) <= 4


def test_family_tablets_and_shared_handles_do_not_merge_people(
    synthetic: SyntheticAccountSet, resolution: Resolution
) -> None:
    predicted = cluster_pairs(resolution.members.values())
    assert all(synthetic.person_of[a] == synthetic.person_of[b] for a, b in predicted)


def test_pairwise_scores_known_answer() -> None:
    scores = pairwise_scores([["a", "b", "c"], ["d"]], {("a", "b"), ("c", "d")})
    assert (scores.n_predicted, scores.n_true, scores.n_correct) == (3, 2, 1)
    assert scores.precision == pytest.approx(1 / 3) and scores.recall == 0.5

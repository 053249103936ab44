"""Cross-channel identity graph: link accounts of one person into a customer.

Pure logic, no database: the storage layer persists ``HashedAccount``s, ``Overrides`` and the
installation secret; this package turns them into a ``Resolution``.

    secret = load_or_create_secret(data_dir / "identity.key")      # 32 random bytes, mode 0600
    hasher = KeyHasher(secret)
    hashed = [hash_account(AccountIdentity.from_account(a, seq), hasher, default_country="1")
              for seq, a in enumerate(accounts)]                   # raw values end here
    overrides = Overrides().detach("u-42")                         # persisted by the caller
    result = resolve(hashed, overrides.detached, max_accounts_per_key=10)
    result.customer_of["u-7"]                                      # "c-<16 hex>"
    explain(result, result.customer_of["u-7"]).lines()             # which keys linked whom
    result.suppressed_keys                                         # keys shared by too many accounts

Modules: ``keys`` (normalisation), ``hashing`` (HMAC, secret file), ``accounts`` (raw and hashed
accounts), ``graph`` (resolve, explain, overrides), ``quality`` (pairwise precision/recall).
"""

from shelfwise.identity.accounts import (
    AccountIdentity,
    HashedAccount,
    IdentityKey,
    RejectedKey,
    hash_account,
)
from shelfwise.identity.graph import (
    DEFAULT_MAX_ACCOUNTS_PER_KEY,
    CustomerExplanation,
    Link,
    Overrides,
    Resolution,
    SuppressedKey,
    customer_id_for,
    explain,
    resolve,
)
from shelfwise.identity.hashing import KeyHasher, load_or_create_secret
from shelfwise.identity.keys import (
    STRONG_KINDS,
    WEAK_KINDS,
    InvalidKeyValue,
    normalize,
    normalize_email,
    normalize_member_id,
    normalize_phone,
)
from shelfwise.identity.quality import PairwiseScores, pairwise_scores

__all__ = [
    "DEFAULT_MAX_ACCOUNTS_PER_KEY",
    "STRONG_KINDS",
    "WEAK_KINDS",
    "AccountIdentity",
    "CustomerExplanation",
    "HashedAccount",
    "IdentityKey",
    "InvalidKeyValue",
    "KeyHasher",
    "Link",
    "Overrides",
    "PairwiseScores",
    "RejectedKey",
    "Resolution",
    "SuppressedKey",
    "customer_id_for",
    "explain",
    "hash_account",
    "load_or_create_secret",
    "normalize",
    "normalize_email",
    "normalize_member_id",
    "normalize_phone",
    "pairwise_scores",
    "resolve",
]

"""What serving and training both read: the item index, each customer's chronological history
across accounts and channels, trending scores, and the one customer resolver."""

from shelfwise.history.customers import (
    Customer,
    customer_of,
    customer_of_users,
    members_by_customer,
    resolve_customer,
)
from shelfwise.history.histories import (
    HISTORY_TYPES,
    CustomerHistory,
    ItemIndex,
    build_histories,
    build_item_index,
    load_training_view,
    sequences_of,
    trending_scores,
)

__all__ = [
    "HISTORY_TYPES",
    "Customer",
    "CustomerHistory",
    "ItemIndex",
    "build_histories",
    "build_item_index",
    "customer_of",
    "customer_of_users",
    "load_training_view",
    "members_by_customer",
    "resolve_customer",
    "sequences_of",
    "trending_scores",
]

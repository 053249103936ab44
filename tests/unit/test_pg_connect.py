"""Opening a PostgreSQL store that is not there: one clear error, no password in it."""

from __future__ import annotations

import pytest

from shelfwise.errors import ConfigError, StoreError
from shelfwise.storage import open_store
from shelfwise.storage.pg_connect import redact_url

pytest.importorskip("psycopg")


def test_redact_url_hides_passwords_only() -> None:
    assert redact_url("postgresql://shop:s3cret@db:5432/x") == "postgresql://shop:***@db:5432/x"
    assert redact_url("postgresql://shop@db/x?password=s3cret&sslmode=require") == (
        "postgresql://shop@db/x?password=%2A%2A%2A&sslmode=require"
    )
    assert redact_url("postgresql://root@127.0.0.1:5432/test") == "postgresql://root@127.0.0.1:5432/test"


def test_unreachable_server_is_one_store_error_without_the_password() -> None:
    # Port 1 on the loopback: nothing listens there, the refusal is immediate.
    with pytest.raises(StoreError) as caught:
        open_store("postgresql://shop:s3cret@127.0.0.1:1/shop")
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL at postgresql://shop:***@127.0.0.1:1/shop")
    assert "s3cret" not in message and "\n" not in message


def test_unknown_scheme_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="postgresql://user@host/db") as caught:
        open_store("mysql://shop:s3cret@db/x")
    assert "s3cret" not in str(caught.value)

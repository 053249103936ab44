"""Throwaway PostgreSQL databases for tests: one fresh database per test, dropped afterwards.

The server is ``$SHELFWISE_TEST_PG`` (a URL of a database to connect to for CREATE/DROP DATABASE),
by default the local one every session and CI start: ``postgresql://root@127.0.0.1:5432/postgres``.
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

ADMIN_URL = os.environ.get("SHELFWISE_TEST_PG", "postgresql://root@127.0.0.1:5432/postgres")


@functools.cache
def server_problem() -> str | None:
    """Why no test database can be made (None when the server answers)."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install 'shelfwise[postgres]')"
    try:
        psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"no PostgreSQL server answers at {ADMIN_URL}: {str(exc).strip().splitlines()[0]}"
    return None


def _url_of(database: str) -> str:
    parts = urlsplit(ADMIN_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, parts.fragment))


@contextmanager
def fresh_database() -> Iterator[str]:
    """Create ``sw_test_<random>``, yield its URL, drop it (closing any connection left open)."""
    import psycopg

    name = f"sw_test_{secrets.token_hex(6)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    try:
        yield _url_of(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]

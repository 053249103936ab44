"""Opening a PostgreSQL connection with one clear error, and URLs safe to print.

psycopg is an optional dependency (``pip install 'shelfwise[postgres]'``): it is imported here, when a
``postgresql://`` URL is opened, never at import time of the package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shelfwise.errors import StoreError

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_SECONDS = 5


def redact_url(url: str) -> str:
    """``url`` without its password (in the user part or as a ``password=`` parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = urlencode([(k, "***" if k == "password" else v) for k, v in parse_qsl(parts.query)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    # libpq repeats the attempt per resolved address; the first line says what went wrong.
    return text.splitlines()[0] if text else type(exc).__name__


def connect(url: str) -> psycopg.Connection:
    """An autocommit connection (transactions are explicit, see PostgresStore.transaction)."""
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise StoreError("a postgresql:// store needs psycopg: pip install 'shelfwise[postgres]'") from exc
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS)
    except psycopg.Error as exc:
        raise StoreError(f"cannot connect to PostgreSQL at {redact_url(url)}: {_first_line(exc)}") from None

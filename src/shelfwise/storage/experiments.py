"""A/B experiments in the store (table ``experiments``, migration 0006), for SQLite and PostgreSQL.

One mixin serves both backends: the statements are the same but for the parameter mark (``?`` or
``%s``), which each store class sets. Writes run in the store's write transaction (SQLite's
``BEGIN IMMEDIATE``, PostgreSQL's advisory lock), so the name and placement checks below cannot
race another writer; the partial unique index of the migration backs them up. Every write appends
an ``experiments`` change, which running servers follow to load or drop variant versions.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import orjson

from shelfwise.errors import ConflictError, ValidationError
from shelfwise.storage.base import EXPERIMENT_STATUSES, EXPERIMENTS_CHANGE, ExperimentRecord

_COLUMNS = (
    "name, placement, variants, traffic, salt, status, exploration, created_at, stopped_at, shipped_variant, "
    "stages_off"
)


class ExperimentTables:
    _mark = "?"  # the DB-API parameter mark of the backend

    if TYPE_CHECKING:  # provided by the store class
        _conn: Any

        def transaction(self) -> AbstractContextManager[None]: ...
        def record_change(self, kind: str, subject: str | None = None) -> None: ...

    def _sql(self, statement: str) -> str:
        return statement.replace("?", self._mark)

    def add_experiment(self, experiment: ExperimentRecord) -> None:
        with self.transaction():
            if self.get_experiment(experiment.name) is not None:
                raise ConflictError(f"an experiment named {experiment.name!r} already exists")
            if experiment.status == "running":
                running = self._running_on(experiment.placement)
                if running is not None:
                    raise ConflictError(
                        f"experiment {running!r} already runs on placement {experiment.placement!r}: "
                        "stop it first"
                    )
            self._conn.execute(
                self._sql(f"INSERT INTO experiments ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?)"),
                (
                    experiment.name,
                    experiment.placement,
                    orjson.dumps(experiment.variants).decode(),
                    orjson.dumps(experiment.traffic).decode(),
                    experiment.salt,
                    experiment.status,
                    experiment.exploration,
                    experiment.created_at,
                    experiment.stopped_at,
                    experiment.shipped_variant,
                    orjson.dumps(experiment.stages_off).decode(),
                ),
            )
            self.record_change(EXPERIMENTS_CHANGE, experiment.name)

    def get_experiment(self, name: str) -> ExperimentRecord | None:
        row = self._conn.execute(self._sql(f"SELECT {_COLUMNS} FROM experiments WHERE name = ?"), (name,))
        found = row.fetchone()
        return None if found is None else _record(found)

    def list_experiments(self, status: str | None = None) -> list[ExperimentRecord]:
        sql = f"SELECT {_COLUMNS} FROM experiments"
        if status is None:
            rows = self._conn.execute(f"{sql} ORDER BY created_at, name")
        else:
            rows = self._conn.execute(
                self._sql(f"{sql} WHERE status = ? ORDER BY created_at, name"), (status,)
            )
        return [_record(row) for row in rows.fetchall()]

    def end_experiment(self, name: str, status: str, at: float, shipped_variant: str | None = None) -> bool:
        if status not in EXPERIMENT_STATUSES or status == "running":
            raise ValidationError(f"an experiment ends as stopped or shipped, not {status!r}", field="status")
        with self.transaction():
            ended = self._conn.execute(
                self._sql(
                    "UPDATE experiments SET status = ?, stopped_at = ?, shipped_variant = ? "
                    "WHERE name = ? AND status = 'running'"
                ),
                (status, at, shipped_variant, name),
            ).rowcount
            if ended:
                self.record_change(EXPERIMENTS_CHANGE, name)
            return bool(ended)

    def _running_on(self, placement: str) -> str | None:
        row = self._conn.execute(
            self._sql("SELECT name FROM experiments WHERE placement = ? AND status = 'running'"), (placement,)
        ).fetchone()
        return None if row is None else str(row[0])


def _record(row: tuple[Any, ...]) -> ExperimentRecord:
    name, placement, variants, traffic, salt, status, exploration, created, stopped, shipped, off = row
    return ExperimentRecord(
        name=name,
        placement=placement,
        variants=orjson.loads(variants),
        traffic={k: float(v) for k, v in orjson.loads(traffic).items()},
        salt=salt,
        status=status,
        created_at=float(created),
        exploration=float(exploration),
        stopped_at=None if stopped is None else float(stopped),
        shipped_variant=shipped,
        stages_off={variant: tuple(stages) for variant, stages in orjson.loads(off).items()},
    )

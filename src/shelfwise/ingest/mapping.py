"""Column mapping for foreign exports: ``--map SRC=DST,...``.

Grammar (comma-separated entries; commas inside ``{}`` do not split):
- ``customer_id=user_id``                 rename column SRC to DST
- ``sales_channel_id=channel{1:store;2:web}``  rename and map values (``;`` or ``|`` between pairs;
  values not listed pass through unchanged)
- ``type:=purchase``                      set DST to a constant for every row

Example for the H&M export:
``--map "customer_id=user_id,article_id=item_id,t_dat=timestamp,sales_channel_id=channel{1:store;2:web},type:=purchase"``
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shelfwise.errors import ConfigError

_RENAME = re.compile(r"^\s*([^=:{}]+?)\s*=\s*([^=:{}]+?)\s*(?:\{(.*)\})?\s*$")
_CONSTANT = re.compile(r"^\s*([^=:{}]+?)\s*:=\s*(.*?)\s*$")


@dataclass(frozen=True)
class ColumnMap:
    renames: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # keyed by SOURCE column
    constants: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.renames or self.constants)

    def apply(self, row: dict[str, Any]) -> dict[str, Any]:
        if self.empty:
            return row
        out: dict[str, Any] = {}
        for key, value in row.items():
            target = self.renames.get(key, key)
            table = self.values.get(key)
            if table is not None and value is not None:
                value = table.get(str(value).strip(), value)
            out[target] = value
        out.update(self.constants)
        return out


def _split_top_level(spec: str) -> list[str]:
    parts, depth, current = [], 0, []
    for char in spec:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def parse_column_map(specs: Iterable[str]) -> ColumnMap:
    renames: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    constants: dict[str, str] = {}
    for spec in specs:
        for entry in _split_top_level(spec):
            constant = _CONSTANT.match(entry)
            if constant:
                constants[constant.group(1)] = constant.group(2)
                continue
            rename = _RENAME.match(entry)
            if not rename:
                raise ConfigError(
                    f"cannot read --map entry {entry!r}: expected SRC=DST, SRC=DST{{a:x;b:y}} or DST:=VALUE"
                )
            source, target, table = rename.groups()
            renames[source] = target
            if table:
                pairs = {}
                for pair in re.split(r"[;|]", table):
                    if not pair.strip():
                        continue
                    if ":" not in pair:
                        raise ConfigError(f"cannot read value map {pair!r} in --map entry {entry!r}: expected FROM:TO")
                    old, new = pair.split(":", 1)
                    pairs[old.strip()] = new.strip()
                values[source] = pairs
    return ColumnMap(renames, values, constants)

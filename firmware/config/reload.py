"""``diff_for_reload(old, new)``: which sections a reload (SIGHUP) would change.

The engine applies a reload section by section, so it needs to know what changed:
for a table of tables (``lines``, ``queues`` …) the names added, removed or changed,
so that, say, one edited queue does not disturb calls on the others.
"""

from __future__ import annotations

from typing import Any

from .model import Config

#: Sections whose change needs the daemon restarted rather than a reload.
#: (Stations and panic buttons hold GPIO pins and headsets open: a restart re-wires them.)
RESTART_SECTIONS = frozenset({"box_id", "journal", "paths", "stations", "panic"})


def _plain(value: Any) -> Any:
    # model_dump keeps SecretStr objects; compare what they hold, never print it.
    if hasattr(value, "get_secret_value"):
        return ("secret", value.get_secret_value())
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def diff_for_reload(old: Config, new: Config) -> dict[str, list[str]]:
    """Section -> sorted names that changed within it (``[]`` for a section that is
    not a table of tables, or is one and changed as a whole). No entry: unchanged."""
    out: dict[str, list[str]] = {}
    a, b = _plain(old.model_dump()), _plain(new.model_dump())
    for section in Config.model_fields:
        before, after = a[section], b[section]
        if before == after:
            continue
        table = isinstance(before, dict) and isinstance(after, dict)
        if table and section in _TABLES:
            keys = set(before) | set(after)
            out[section] = sorted(k for k in keys if before.get(k) != after.get(k))
        else:
            out[section] = []
    return out


_TABLES = frozenset(
    name
    for name, field in Config.model_fields.items()
    if getattr(field.annotation, "__origin__", None) is dict
)

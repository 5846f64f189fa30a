"""``diff_for_reload(old, new)``: which sections a reload (SIGHUP) would change, and
``needs_restart``: which of those changes only a restart applies.

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
#: A station's keys a reload applies at once: what it is called and numbered and where
#: its transfer button sends callers. The rest is wiring (pins, the headset), opened at
#: start, and so is adding or removing a station.
STATION_LIVE_KEYS = frozenset({"label", "number", "transfer_to"})


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


def needs_restart(old: Config, new: Config, changes: dict[str, list[str]]) -> list[str]:
    """What of ``changes`` only a restart applies, as key paths ('journal',
    'stations.desk1.buttons', 'stations.desk4' for one added or removed); [] if none."""
    out: list[str] = []
    for section in sorted(RESTART_SECTIONS & changes.keys()):
        if section != "stations":
            out.append(section)
            continue
        for name in changes["stations"]:
            a, b = old.stations.get(name), new.stations.get(name)
            if a is None or b is None:
                out.append(f"stations.{name}")
                continue
            da, db = _plain(a.model_dump()), _plain(b.model_dump())
            out += [f"stations.{name}.{k}" for k in da if k not in STATION_LIVE_KEYS
                    and da[k] != db[k]]  # fmt: skip
    return out

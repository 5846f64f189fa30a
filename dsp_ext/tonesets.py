"""Call-progress tone plans by country, read from ``data/progress_tones.toml``.

The table is data, not code: frequencies, levels and cadences (with tolerances) of
dial, ringback, busy and congestion tones per country, plus the tones every plan
shares (SIT, fax CNG and CED). This module parses it into frozen dataclasses and
checks it; a bad table raises ``ValueError`` naming the plan, the tone, the key,
what it found and what was expected.

Two checks go beyond types, because the detector relies on them:

* tones with the same frequencies (busy and congestion in a 425 Hz plan) must have
  cadence windows that do not overlap in at least one on/off step, measurement
  slack included, or they could not be told apart;
* a continuous tone must be confirmed later than the longest "on" step of any
  cadenced tone with the same frequencies (dial tone vs a 1 s ringback burst).
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Tone kinds every plan has, in report order.
KINDS = ("dial", "ringback", "busy", "congestion", "sit", "cng", "ced")
#: Kinds shared by all plans unless a plan overrides them.
COMMON_KINDS = ("sit", "cng", "ced")
#: How far (ms) a measured duration may stray beyond its tolerance: the detector
#: measures in 20 ms blocks, and an edge can land anywhere inside one.
MEASUREMENT_SLACK_MS = 30.0
#: Frequencies must sit inside the narrowest band we handle (8 kHz sampling).
MIN_HZ, MAX_HZ = 50.0, 3900.0

DEFAULT_PATH = Path(__file__).parent / "data" / "progress_tones.toml"

_TONE_KEYS = {
    "hz",
    "level_dbm0",
    "cadence",
    "cadence_ms",
    "tolerance_ms",
    "tolerance_pct",
    "detect_after_ms",
    "confirm_segments",
    "steps",
}
_STEP_KEYS = {"any_hz", "hz", "off", "ms", "tol_ms"}
_CODE = re.compile(r"^[A-Z]{2,3}$")


@dataclass(frozen=True)
class Step:
    """One segment of a cadence: a sound (or silence) and its duration window."""

    #: Alternatives for this segment; each is a set of frequencies sounded together.
    #: Empty for a silent ("off") step.
    alternatives: tuple[tuple[float, ...], ...]
    ms: float
    tol_ms: float

    @property
    def is_off(self) -> bool:
        return not self.alternatives

    @property
    def min_ms(self) -> float:
        return self.ms - self.tol_ms

    @property
    def max_ms(self) -> float:
        return self.ms + self.tol_ms


@dataclass(frozen=True)
class ToneSpec:
    """One call-progress tone of a plan."""

    kind: str
    steps: tuple[Step, ...]
    #: Level (dBm0) of each frequency of a tone step (one value per frequency).
    level_dbm0: tuple[float, ...]
    continuous: bool
    #: Continuous tones: how long the tone must last before it is reported.
    detect_after_ms: float
    #: Cadenced tones: consecutive matching segments needed for a detection.
    confirm_segments: int

    @property
    def freqs_hz(self) -> tuple[float, ...]:
        """Frequencies of the first tone step (its first alternative)."""
        return self.steps[0].alternatives[0]

    @property
    def cadence_ms(self) -> tuple[float, ...]:
        """Nominal step durations; empty for a continuous tone."""
        return () if self.continuous else tuple(s.ms for s in self.steps)


@dataclass(frozen=True)
class TonePlan:
    """The tones of one country (or of the ITU recommendation)."""

    country: str
    name: str
    tones: tuple[ToneSpec, ...]

    def tone(self, kind: str) -> ToneSpec:
        for t in self.tones:
            if t.kind == kind:
                return t
        raise ValueError(f"plan {self.country} has no tone {kind!r} (expected one of {KINDS})")

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(t.kind for t in self.tones)


def countries() -> tuple[str, ...]:
    """Codes of every plan in the built-in table, sorted."""
    return tuple(sorted(_default_plans()))


def plan(country: str) -> TonePlan:
    """The built-in plan for ``country`` (case-insensitive); ``ValueError`` if unknown."""
    plans = _default_plans()
    code = country.upper() if isinstance(country, str) else country
    if code not in plans:
        raise ValueError(
            f"unknown country {country!r} (expected one of {', '.join(sorted(plans))})"
        )
    return plans[code]


def load_plans(path: str | Path | None = None) -> dict[str, TonePlan]:
    """Parse and check a tone table; the built-in one when ``path`` is None."""
    if path is None:
        return dict(_default_plans())
    return _load(Path(path))


@functools.cache
def _default_plans() -> dict[str, TonePlan]:
    return _load(DEFAULT_PATH)


def _load(path: Path) -> dict[str, TonePlan]:
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{path.name}: not valid UTF-8 TOML ({exc}), expected a tone table"
        ) from None
    return parse_table(doc, source=path.name)


def parse_table(doc: dict[str, Any], source: str = "tone table") -> dict[str, TonePlan]:
    """Build plans from an already-parsed TOML document (see the module docstring)."""
    _only_keys(doc, {"schema", "common", "plans"}, source)
    if doc.get("schema") != 1:
        raise ValueError(f"{source}: key 'schema' is {doc.get('schema')!r}, expected 1")
    common_raw = _table(doc.get("common", {}), source, "common")
    common = {}
    for kind, raw in common_raw.items():
        where = f"{source}: common tone {kind}"
        if kind not in KINDS:
            raise ValueError(f"{where}: unknown tone kind, expected one of {KINDS}")
        common[kind] = _tone(kind, raw, where)
    plans_raw = _table(doc.get("plans"), source, "plans")
    if not plans_raw:
        raise ValueError(f"{source}: key 'plans' is empty, expected at least one plan")
    own = {code: _plan_tones(code, raw, source) for code, raw in plans_raw.items()}
    plans = {}
    for code in plans_raw:
        tones = dict(common)
        for ancestor in reversed(_lineage(code, plans_raw, source)):
            tones.update(own[ancestor])
        missing = [k for k in KINDS if k not in tones]
        if missing:
            raise ValueError(
                f"{source}: plan {code}: missing tone(s) {missing}, expected all of {KINDS}"
            )
        p = TonePlan(code, plans_raw[code]["name"], tuple(tones[k] for k in KINDS))
        _check_distinguishable(p, source)
        plans[code] = p
    return plans


def _plan_tones(code: str, raw: Any, source: str) -> dict[str, ToneSpec]:
    where = f"{source}: plan {code}"
    if not _CODE.match(code):
        raise ValueError(f"{where}: bad plan code, expected 2-3 capital letters (ISO 3166 or ITU)")
    raw = _table(raw, source, f"plans.{code}")
    _only_keys(raw, {"name", "inherit", "tones"}, where)
    if not isinstance(raw.get("name"), str) or not raw["name"]:
        raise ValueError(f"{where}: key 'name' is {raw.get('name')!r}, expected a non-empty string")
    tones = {}
    for kind, t in _table(raw.get("tones", {}), source, f"plans.{code}.tones").items():
        if kind not in KINDS:
            raise ValueError(f"{where}, tone {kind}: unknown tone kind, expected one of {KINDS}")
        tones[kind] = _tone(kind, t, f"{where}, tone {kind}")
    return tones


def _lineage(code: str, plans_raw: dict[str, Any], source: str) -> list[str]:
    """``code`` and the plans it inherits from, nearest first."""
    chain = [code]
    while "inherit" in plans_raw[chain[-1]]:
        parent = plans_raw[chain[-1]]["inherit"]
        if parent not in plans_raw:
            raise ValueError(
                f"{source}: plan {chain[-1]}: key 'inherit' is {parent!r}, "
                f"expected one of {sorted(plans_raw)}"
            )
        if parent in chain:
            raise ValueError(
                f"{source}: plan {code}: 'inherit' loops ({' -> '.join([*chain, parent])})"
            )
        chain.append(parent)
    return chain


def _tone(kind: str, raw: Any, where: str) -> ToneSpec:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: is {raw!r}, expected a table")
    _only_keys(raw, _TONE_KEYS, where)
    confirm_default = None
    if "steps" in raw:
        for clash in ("hz", "cadence", "cadence_ms", "tolerance_ms", "tolerance_pct"):
            if clash in raw:
                raise ValueError(
                    f"{where}: key '{clash}' given with 'steps', expected one or the other"
                )
        steps_raw = raw["steps"]
        if not isinstance(steps_raw, list) or not steps_raw:
            raise ValueError(f"{where}: key 'steps' is {steps_raw!r}, expected a non-empty list")
        steps = tuple(_step(i, s, where) for i, s in enumerate(steps_raw))
        if steps[0].is_off:
            raise ValueError(
                f"{where}: key 'steps' starts with a silent step, expected a tone first"
            )
        n_freqs = len(steps[0].alternatives[0])
        continuous, detect_after = False, 0.0
    else:
        hz = _freqs(raw.get("hz"), where, "hz")
        n_freqs = len(hz)
        cadence, cadence_ms = raw.get("cadence"), raw.get("cadence_ms")
        if cadence == "continuous" and cadence_ms is None:
            detect_after = _positive(raw.get("detect_after_ms"), where, "detect_after_ms")
            steps = (Step((hz,), detect_after, 0.0),)
            continuous = True
        elif cadence is None and cadence_ms is not None:
            steps = _cadence_steps(hz, cadence_ms, raw, where)
            continuous, detect_after = False, 0.0
        else:
            raise ValueError(
                f"{where}: keys 'cadence'={cadence!r} / 'cadence_ms'={cadence_ms!r}, "
                'expected cadence = "continuous" or a cadence_ms list'
            )
        if continuous and "confirm_segments" in raw:
            raise ValueError(
                f"{where}: key 'confirm_segments' on a continuous tone, expected detect_after_ms"
            )
    confirm_default = 2 * len(steps)
    confirm = raw.get("confirm_segments", confirm_default)
    if isinstance(confirm, bool) or not isinstance(confirm, int) or confirm < 1:
        raise ValueError(
            f"{where}: key 'confirm_segments' is {confirm!r}, expected an integer >= 1"
        )
    return ToneSpec(
        kind,
        steps,
        _levels(raw.get("level_dbm0"), n_freqs, where),
        continuous,
        detect_after,
        1 if continuous else confirm,
    )


def _cadence_steps(
    hz: tuple[float, ...], cadence_ms: Any, raw: dict, where: str
) -> tuple[Step, ...]:
    if not isinstance(cadence_ms, list) or len(cadence_ms) < 2 or len(cadence_ms) % 2:
        raise ValueError(
            f"{where}: key 'cadence_ms' is {cadence_ms!r}, "
            "expected an even-length list of on/off ms"
        )
    durations = [_positive(d, where, "cadence_ms") for d in cadence_ms]
    if ("tolerance_ms" in raw) == ("tolerance_pct" in raw):
        raise ValueError(f"{where}: expected exactly one of 'tolerance_ms' or 'tolerance_pct'")
    if "tolerance_pct" in raw:
        pct = raw["tolerance_pct"]
        if not _is_number(pct) or not 0 < pct < 50:
            raise ValueError(
                f"{where}: key 'tolerance_pct' is {pct!r}, expected a number in (0, 50)"
            )
        tols = [d * pct / 100.0 for d in durations]
    else:
        tols = raw["tolerance_ms"]
        if not isinstance(tols, list) or len(tols) != len(durations):
            raise ValueError(
                f"{where}: key 'tolerance_ms' is {tols!r}, "
                f"expected a list of {len(durations)} numbers"
            )
        for t, d in zip(tols, durations, strict=True):
            if not _is_number(t) or not 0 <= t < d:
                raise ValueError(
                    f"{where}: key 'tolerance_ms' has {t!r}, expected 0 <= tolerance < {d}"
                )
    return tuple(
        Step((hz,) if i % 2 == 0 else (), float(d), float(t))
        for i, (d, t) in enumerate(zip(durations, tols, strict=True))
    )


def _step(i: int, raw: Any, where: str) -> Step:
    here = f"{where}, step {i}"
    if not isinstance(raw, dict):
        raise ValueError(f"{here}: is {raw!r}, expected a table")
    _only_keys(raw, _STEP_KEYS, here)
    ms = _positive(raw.get("ms"), here, "ms")
    tol = raw.get("tol_ms", 0.0)
    if not _is_number(tol) or not 0 <= tol < ms:
        raise ValueError(f"{here}: key 'tol_ms' is {tol!r}, expected 0 <= tol_ms < {ms}")
    given = [k for k in ("any_hz", "hz", "off") if k in raw]
    if len(given) != 1:
        raise ValueError(f"{here}: keys {given}, expected exactly one of 'any_hz', 'hz', 'off'")
    if "off" in raw:
        if raw["off"] is not True:
            raise ValueError(f"{here}: key 'off' is {raw['off']!r}, expected true")
        return Step((), ms, float(tol))
    if "hz" in raw:
        return Step((_freqs(raw["hz"], here, "hz"),), ms, float(tol))
    alts = _freqs(raw["any_hz"], here, "any_hz")
    return Step(tuple((f,) for f in alts), ms, float(tol))


def _freqs(value: Any, where: str, key: str) -> tuple[float, ...]:
    ok = (
        isinstance(value, list)
        and 1 <= len(value) <= 4
        and all(_is_number(f) and MIN_HZ <= f <= MAX_HZ for f in value)
        and len(set(value)) == len(value)
    )
    if not ok:
        raise ValueError(
            f"{where}: key '{key}' is {value!r}, expected 1-4 distinct frequencies "
            f"in {MIN_HZ:g}-{MAX_HZ:g} Hz"
        )
    return tuple(float(f) for f in value)


def _levels(value: Any, n: int, where: str) -> tuple[float, ...]:
    values = value if isinstance(value, list) else [value]
    if len(values) == 1:
        values = values * n
    if len(values) != n or not all(_is_number(v) and -60 <= v <= 0 for v in values):
        raise ValueError(
            f"{where}: key 'level_dbm0' is {value!r}, expected a level in -60..0 dBm0 "
            f"or a list of {n} such levels"
        )
    return tuple(float(v) for v in values)


def _positive(value: Any, where: str, key: str) -> float:
    if not _is_number(value) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{where}: key '{key}' is {value!r}, expected a positive number (ms)")
    return float(value)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _table(value: Any, source: str, key: str) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{source}: key '{key}' is {value!r}, expected a table")
    return value


def _only_keys(raw: dict, allowed: set[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}, expected only {sorted(allowed)}")


def _check_distinguishable(p: TonePlan, source: str) -> None:
    slack = MEASUREMENT_SLACK_MS
    cadenced = [t for t in p.tones if not t.continuous]
    for i, a in enumerate(cadenced):
        for b in cadenced[i + 1 :]:
            if [s.alternatives for s in a.steps] != [s.alternatives for s in b.steps]:
                continue
            apart = any(
                sa.max_ms + slack < sb.min_ms - slack or sb.max_ms + slack < sa.min_ms - slack
                for sa, sb in zip(a.steps, b.steps, strict=True)
            )
            if not apart:
                raise ValueError(
                    f"{source}: plan {p.country}, tones {a.kind} and {b.kind}: same "
                    "frequencies and overlapping cadence windows, expected a step whose "
                    f"windows are more than {2 * slack:g} ms apart"
                )
    for c in (t for t in p.tones if t.continuous):
        for t in cadenced:
            for s in t.steps:
                if (
                    s.alternatives == c.steps[0].alternatives
                    and s.max_ms + slack >= c.detect_after_ms
                ):
                    raise ValueError(
                        f"{source}: plan {p.country}, tone {c.kind}: key 'detect_after_ms' is "
                        f"{c.detect_after_ms:g}, expected more than {s.max_ms + slack:g} "
                        f"(the longest {t.kind} step with the same frequencies)"
                    )

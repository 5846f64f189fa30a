"""``load_config(path)``: a TOML file to a :class:`Config`, or every problem at once.

Each top-level section is validated on its own, so a broken ``[queues]`` does not
hide a broken ``[mqtt]``; a table of tables (``[queues.<name>]``) keeps the entries
that passed, so the cross-section checks (:mod:`.references`) still run on them.
Only when nothing is wrong is the whole :class:`Config` built.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Annotated, Any, get_args, get_origin

from pydantic import TypeAdapter, ValidationError

from .errors import ConfigError, Problem, from_pydantic
from .ivr import Flow
from .model import Config
from .references import check_references


@cache
def _adapter(tp: Any) -> TypeAdapter:
    return TypeAdapter(tp)


def parse_config(data: Any, base_dir: str | Path = ".") -> Config:
    """A :class:`Config` from already-parsed TOML ``data``; relative file paths in it
    start at ``base_dir``. Raises :class:`ConfigError` listing every problem."""
    if not isinstance(data, dict):
        raise ConfigError([Problem((), "the config is not a table of sections")])
    problems: list[Problem] = []
    valid: dict[str, Any] = {}
    names: dict[str, set[str]] = {}
    fields = Config.model_fields
    for key in data:
        if key not in fields:
            problems += _unknown_section(key)
    for key, field in fields.items():
        if key not in data:
            if field.is_required():
                problems.append(Problem((key,), "missing (required)"))
            else:
                valid[key] = field.get_default(call_default_factory=True)
                names[key] = set(valid[key]) if isinstance(valid[key], dict) else set()
            continue
        raw = data[key]
        if get_origin(field.annotation) is dict and isinstance(raw, dict):
            names[key] = set(raw)  # names exist even when their contents are wrong
        adapter = _adapter(_field_type(field))
        try:
            valid[key] = adapter.validate_python(raw)
        except ValidationError as exc:
            problems += from_pydantic(exc, data, Config, prefix=(key,))
            salvaged = _salvage(field.annotation, raw)
            if salvaged is not None:
                valid[key] = salvaged
    problems += check_references(valid, names, Path(base_dir), data)
    if problems:
        raise ConfigError(problems)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:  # only if a section passed alone but not in the whole
        raise ConfigError(from_pydantic(exc, data, Config)) from None


def _field_type(field: Any) -> Any:
    # The annotation plus its constraints (min_length …) as one validatable type.
    return Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation


def _salvage(annotation: Any, raw: Any) -> dict | None:
    """The entries of a table of tables that are valid on their own."""
    if get_origin(annotation) is not dict or not isinstance(raw, dict):
        return None
    key_type, value_type = get_args(annotation)
    keys, values = _adapter(key_type), _adapter(value_type)
    out = {}
    for k, v in raw.items():
        try:
            name = keys.validate_python(k)
        except ValidationError:
            continue
        try:
            out[name] = values.validate_python(v)
        except ValidationError:
            if value_type is Flow and (flow := _salvage_flow(v)) is not None:
                out[name] = flow
    return out


def _salvage_flow(raw: Any) -> Flow | None:
    """A flow with only its valid nodes, so references among those are still checked."""
    if not isinstance(raw, dict):
        return None
    nodes = _salvage(Flow.model_fields["nodes"].annotation, raw.get("nodes"))
    try:
        return Flow.model_validate({**raw, "nodes": nodes or {}})
    except ValidationError:
        return None


def _unknown_section(key: str) -> list[Problem]:
    guess = difflib.get_close_matches(key, list(Config.model_fields), n=1, cutoff=0.85)
    hint = f"did you mean '{guess[0]}'?" if guess else "expected " + ", ".join(Config.model_fields)
    return [Problem((key,), f"unknown section ({hint})")]


_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")


def load_config(path: str | Path) -> Config:
    """The config in the TOML file ``path``. Raises :class:`ConfigError` listing every
    problem, each ``key.path: 'value' is not … (expected …)``; a TOML syntax error
    names its line and column."""
    path = Path(path)
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"cannot read {path}: {exc.strerror or exc}"], str(path)) from None
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = blob[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [f"line {line}: not UTF-8 text (expected a UTF-8 TOML file)"], str(path)
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([_syntax(str(exc))], str(path)) from None
    try:
        return parse_config(data, base_dir=path.parent)
    except ConfigError as exc:
        raise ConfigError(exc.problems, str(path)) from None


def _syntax(message: str) -> str:
    m = _POSITION.search(message)
    what = _POSITION.sub("", message).strip()
    what = what[:1].lower() + what[1:]
    if m and m.group(1):
        return f"line {m.group(1)}, column {m.group(2)}: {what} (expected valid TOML)"
    return f"end of file: {what} (expected valid TOML)"

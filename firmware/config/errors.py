"""Config problems as one line each: ``key.path: 'value' is not … (expected …)``.

Pydantic's own messages name neither the TOML key path nor (for our custom checks)
the expectation in our words, and they show raw input, which may be a password.
:func:`from_pydantic` turns each pydantic error into a :class:`Problem`; values at
secret keys, or held in a ``SecretStr``, are never shown, and neither are the values of
unknown keys (a misspelt ``pasword`` is still a password).
"""

from __future__ import annotations

import difflib
import json
import re
import types
from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError

from .base import ERROR_TYPE

SECRET_KEYS = frozenset({"password", "sim_pin", "login_code"})
HIDDEN = "'**********'"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_DISCRIMINATORS = ("kind", "type")
#: Where a discriminated union sits: pydantic puts the tag into the error's location there.
_UNION_DEPTHS = {"lines": 2, "ivr": 4}

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config: where (the key path) and what (the rest of the line)."""

    path: Path
    text: str

    def __str__(self) -> str:
        return f"{format_path(self.path)}: {self.text}" if self.path else self.text


class ConfigError(ValueError):
    """A config that cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, problems: list[Problem] | list[str], source: str = "") -> None:
        self.problems = [str(p) for p in problems]
        self.source = source
        super().__init__("\n".join(self.problems))


def format_path(path: Path) -> str:
    """``('queues', 'sales', 'priority', 0, 'numbers')`` -> ``queues.sales.priority[0].numbers``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
            continue
        # A quoted key is written as TOML would: escapes keep a problem on one line.
        key = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
        out += f".{key}" if out else key
    return out


def show(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it in TOML, shortened; tables are not spelt out."""
    if isinstance(value, SecretStr):
        return HIDDEN
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        text = repr(value)
    elif isinstance(value, (date, time)):
        text = value.isoformat()
    elif isinstance(value, dict):
        return "a table"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(show(v, limit) for v in value) + "]"
    elif isinstance(value, str):
        text = repr(value)
    elif value is None:
        return "nothing"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_secret(path: Path) -> bool:
    return any(isinstance(p, str) and p in SECRET_KEYS for p in path)


def _number(value: Any) -> Any:
    # Limits are floats for float fields: "at least 0", not "at least 0.0".
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _choices(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


# Pydantic error type -> the message after the value; {…} are taken from the error's ctx.
_TAILS = {
    "int_type": "is not a whole number",
    "int_parsing": "is not a whole number",
    "int_from_float": "is not a whole number",
    "float_type": "is not a number",
    "float_parsing": "is not a number",
    "finite_number": "is not a finite number",
    "bool_type": "is not true or false",
    "bool_parsing": "is not true or false",
    "string_type": "is not a string (expected text in quotes)",
    "dict_type": "is not a table (expected [section] or { key = value })",
    "model_type": "is not a table (expected [section] or { key = value })",
    "model_attributes_type": "is not a table (expected [section] or { key = value })",
    "list_type": "is not a list (expected [ ... ])",
    "tuple_type": "is not a list (expected [ ... ])",
    "date_type": "is not a date (expected a TOML date such as 2026-01-01, no quotes)",
    "greater_than": "is too small (expected more than {gt})",
    "greater_than_equal": "is too small (expected at least {ge})",
    "less_than": "is too large (expected less than {lt})",
    "less_than_equal": "is too large (expected at most {le})",
    "string_too_short": "is too short (expected at least {min_length} characters)",
    "string_too_long": "is too long (expected at most {max_length} characters)",
    "too_short": "has too few entries (expected at least {min_length})",
    "too_long": "has too many entries (expected at most {max_length})",
    "string_pattern_mismatch": "is not valid here (expected text matching {pattern})",
}


def _unwrap(tp: Any, raw: Any) -> Any:
    """The model or container type behind Annotated/Optional/a discriminated union."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
            tag = next((raw.get(d) for d in _DISCRIMINATORS if isinstance(raw, dict)), None)
            for m in members:
                for d in _DISCRIMINATORS:
                    field = getattr(m, "model_fields", {}).get(d)
                    literal = field and get_origin(field.annotation) is Literal
                    if literal and tag in get_args(field.annotation):
                        return m
            return None
        else:
            return tp


def _fields_at(root: type[BaseModel], path: Path, raw: Any) -> list[str] | None:
    """The keys the table at ``path`` may have, or None when that cannot be told."""
    tp: Any = root
    for part in path:
        tp = _unwrap(tp, raw)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                return None
            tp = field.annotation
        elif get_origin(tp) is dict:
            tp = get_args(tp)[1]
        elif get_origin(tp) is list:
            tp = get_args(tp)[0]
        else:
            return None
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            raw = None
    tp = _unwrap(tp, raw)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return None


def _clean_loc(loc: tuple, raw: Any) -> Path:
    """Pydantic's location as a TOML key path: without the union tag it inserts."""
    parts = list(loc)
    if parts and parts[0] in _UNION_DEPTHS:
        depth = _UNION_DEPTHS[parts[0]]
        if len(parts) > depth and (parts[0] != "ivr" or parts[2:3] == ["nodes"]):
            node: Any = raw
            for p in parts[:depth]:
                node = node.get(p) if isinstance(node, dict) else None
            if isinstance(node, dict) and parts[depth] in [node.get(d) for d in _DISCRIMINATORS]:
                del parts[depth]
    return tuple(parts)


def _one(err: dict, raw: dict, root: type[BaseModel]) -> Problem:
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    loc = list(_clean_loc(err["loc"], raw))
    if loc and loc[-1] == "[key]":  # a bad key of a table: the key is the value
        loc.pop()
        loc.pop()
    path = tuple(loc)
    shown = HIDDEN if is_secret(path) else show(value)
    if kind == "missing":
        return Problem(path, "missing (required)")
    if kind == "extra_forbidden":
        allowed = _fields_at(root, path[:-1], raw) or []
        guess = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.85)
        if guess:
            return Problem(path, f"unknown key (did you mean '{guess[0]}'?)")
        return Problem(path, "unknown key (expected one of " + ", ".join(allowed) + ")")
    if kind == "literal_error":
        return Problem(path, f"{shown} is not one of " + ", ".join(_choices(ctx["expected"])))
    if kind == "union_tag_invalid":
        key = ctx["discriminator"].strip("'")
        tags = ", ".join(_choices(ctx["expected_tags"]))
        return Problem((*path, key), f"{show(ctx['tag'])} is not one of {tags}")
    if kind == "union_tag_not_found":
        key = ctx["discriminator"].strip("'")
        return Problem((*path, key), "missing (required: it says which kind of entry this is)")
    if kind == ERROR_TYPE:
        return Problem(path, f"{shown} {err['msg']}")
    if kind in _TAILS:
        try:
            tail = _TAILS[kind].format(**{k: _number(v) for k, v in ctx.items()})
        except (KeyError, IndexError):
            tail = _TAILS[kind]
        return Problem(path, f"{shown} {tail}")
    return Problem(path, f"{shown} is not valid ({err['msg']})")


def from_pydantic(
    exc: ValidationError, raw: dict, root: type[BaseModel], prefix: Path = ()
) -> list[Problem]:
    """Every error of ``exc`` (raised validating ``raw[prefix]``) as a :class:`Problem`."""
    out = []
    for err in exc.errors(include_url=False):
        err = {**err, "loc": (*prefix, *err["loc"])}
        out.append(_one(err, raw, root))
    return out

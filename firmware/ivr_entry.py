"""Whether a collected entry is acceptable: length, pattern, Luhn check digit.

Kept apart from the flow (:mod:`firmware.ivr`) because it is pure: it knows the
collect node's rules and nothing of calls, so it is easy to test on its own.
"""

from __future__ import annotations

import re

from .config.ivr import CollectNode


def luhn_ok(digits: str) -> bool:
    """Whether ``digits`` end in a correct Luhn check digit (ISO/IEC 7812-1)."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def entry_ok(node: CollectNode, entry: str) -> bool:
    """Whether a collected entry passes the node's length, pattern and Luhn checks."""
    if not node.min_digits <= len(entry) <= node.max_digits:
        return False
    if node.pattern is not None:
        if re.fullmatch(node.pattern, entry) is None:
            return False
    elif not entry.isdigit():  # no pattern: digits only ('*' is no part of a number)
        return False
    return not node.luhn or luhn_ok(entry)

"""Queue-status sentences per language: "You are number 3 in the queue. The expected
wait is about 5 minutes."

The text is spoken by espeak-ng (:meth:`firmware.audio.prompts.PromptStore.speech`),
which reads the digits as numbers in its own language; what we must get right is the
word that follows a number. Russian and Ukrainian nouns take one of three forms after
a number (1 минута, 2 минуты, 5 минут); Persian and English are simpler. The minutes
stand after an adverb ("примерно", "приблизно"), which keeps them in the nominative.
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: lang -> (position sentence, wait sentence, the minute word for a count)
_Sentences = tuple[str, str, Callable[[int], str]]


def _slavic(one: str, few: str, many: str) -> Callable[[int], str]:
    """The East Slavic plural rule (CLDR 'one'/'few'/'many') for a count."""

    def word(n: int) -> str:
        if n % 10 == 1 and n % 100 != 11:
            return one
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return few
        return many

    return word


SENTENCES: dict[str, _Sentences] = {
    "en": (
        "You are number {n} in the queue.",
        "The expected wait is about {m} {minutes}.",
        lambda m: "minute" if m == 1 else "minutes",
    ),
    "ru": (
        "Вы номер {n} в очереди.",
        "Время ожидания примерно {m} {minutes}.",
        _slavic("минута", "минуты", "минут"),
    ),
    "uk": (
        "Ви номер {n} у черзі.",
        "Час очікування приблизно {m} {minutes}.",
        _slavic("хвилина", "хвилини", "хвилин"),
    ),
    # Persian keeps the noun singular after a number.
    "fa": (
        "شما نفر {n} در صف هستید.",
        "زمان انتظار حدود {m} {minutes} است.",
        lambda m: "دقیقه",
    ),
}
LANGUAGES = tuple(SENTENCES)


def minutes(wait_s: float) -> int:
    """The whole minutes we announce for ``wait_s``: rounded up (a promise we keep more
    often than not), and at least 1 (a caller told "0 minutes" hears a bug)."""
    return max(1, math.ceil(wait_s / 60.0 - 1e-9))


def queue_status_text(position: int | None, wait_s: float | None, lang: str) -> str:
    """The sentence(s) that tell a caller their ``position`` and/or expected wait.

    Raises ValueError for a language without sentences (naming the ones there are) or
    a position below 1; returns "" when there is nothing to say.
    """
    if lang not in SENTENCES:
        raise ValueError(
            f"no queue-status sentences for language {lang!r} "
            f"(expected one of {', '.join(LANGUAGES)})"
        )
    where, wait, word = SENTENCES[lang]
    parts = []
    if position is not None:
        if position < 1:
            raise ValueError(f"queue position {position!r} (expected 1 or more)")
        parts.append(where.format(n=position))
    if wait_s is not None:
        if not wait_s >= 0:
            raise ValueError(f"expected wait {wait_s!r} s (expected 0 or more)")
        m = minutes(wait_s)
        parts.append(wait.format(m=m, minutes=word(m)))
    return " ".join(parts)

"""``[languages]`` and ``[prompts.<name>]``: what the box says, and in which languages.

A prompt is a recording or text spoken by espeak-ng, per language: ``file`` is one
WAV for every language (music, a beep); ``wav.<lang>`` a recording in that language;
``text.<lang>`` text to speak. A prompt that a flow or queue uses must exist in every
configured language (checked in :mod:`.references`, with the WAV files).
"""

from __future__ import annotations

from pydantic import Field

from .base import Lang, Section


class Languages(Section):
    available: list[Lang] = Field(
        title="Languages",
        description="Languages callers may choose; every used prompt must exist in each.",
        min_length=1,
    )
    default: Lang = Field(
        title="Default language", description="The language a call starts in (one of these)."
    )
    voices: dict[Lang, str] = Field(
        {},
        title="espeak-ng voices",
        description="Language -> espeak-ng voice for text prompts (default: the code itself).",
    )

    def voice(self, lang: str) -> str:
        return self.voices.get(lang, lang)


class Prompt(Section):
    file: str | None = Field(
        None, title="File", description="One WAV for every language (music, tones)."
    )
    wav: dict[Lang, str] = Field(
        {}, title="Recordings", description="Language -> WAV file recorded in it."
    )
    text: dict[Lang, str] = Field(
        {}, title="Text", description="Language -> text spoken by espeak-ng (cached)."
    )

    def has(self, lang: str) -> bool:
        """Whether this prompt can be played to a caller speaking ``lang``."""
        return self.file is not None or lang in self.wav or bool(self.text.get(lang, "").strip())

    def files(self) -> list[tuple[tuple[str, ...], str]]:
        """(key path inside the prompt, path) of every WAV file it names."""
        out = [(("file",), self.file)] if self.file is not None else []
        return out + [(("wav", lang), path) for lang, path in self.wav.items()]

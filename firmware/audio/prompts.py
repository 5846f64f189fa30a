"""The prompt store: every prompt a call may hear, as 8 kHz int16 line audio.

A ``[prompts.<name>]`` entry is a WAV file (``file`` for every language, ``wav.<lang>``
per language; loaded through :mod:`.load`, any common rate) or text per language,
spoken by espeak-ng (:mod:`.tts`). Text is rendered once: kept in memory, and on disk
in ``cache_dir`` under a hash of (text, voice, speed, pitch, espeak-ng version), so a
restart, or another prompt with the same words, costs no espeak run and an upgraded
espeak-ng renders afresh.

``await store.prepare(config)`` loads and renders every prompt the config *uses*
(flows and queues) in every available language at start-up, so a missing espeak
voice or a broken WAV stops the daemon with the prompt's name instead of leaving a
caller in silence mid-call. Queue-status sentences (:mod:`.phrases`) carry numbers,
so they are rendered when asked (:meth:`PromptStore.speech`), through the same cache.

One built-in prompt, :data:`BEEP` (a 1 kHz tone before a recording), exists in every
language; config names start with a letter, so it cannot clash with one.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
from collections import OrderedDict
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path

import numpy as np

from ..config.model import Config
from ..config.prompts import Prompt
from . import phrases, tts
from .load import LINE_RATE, load_line_audio
from .wav import WavError, read_wav, write_wav

BEEP = "_beep"
SPEED_WPM, PITCH = 160, 50
#: Rendered sentences kept in memory beyond the configured prompts (queue status).
SPEECH_MEMORY = 256

Speak = Callable[[str, str], np.ndarray]


class PromptError(ValueError):
    """A prompt that cannot be played: unknown, missing a language, a bad WAV file or
    text espeak-ng cannot speak. The message names the prompt and the language."""


def _beep() -> np.ndarray:
    from dsp_ext.generate import to_pcm16, tone

    x = tone(1000.0, 0.4, -12.0)
    ramp = np.minimum(1.0, np.arange(len(x)) / 80.0)  # 10 ms ramps: no click
    return to_pcm16(x * ramp * ramp[::-1])


@cache
def espeak_version() -> str:
    """espeak-ng's version line (part of the cache key); '' when it is missing."""
    if not tts.available():
        return ""
    run = subprocess.run(["espeak-ng", "--version"], capture_output=True, check=False)
    return run.stdout.decode(errors="replace").split("Data at:")[0].strip()


def used_prompts(config: Config) -> list[str]:
    """Every prompt name the config's flows and queues may play, sorted."""
    names: set[str] = set()
    for flow in config.ivr.values():
        if flow.silence_prompt:
            names.add(flow.silence_prompt)
        for node in flow.nodes.values():
            names.update(name for _, kind, name in node.refs() if kind == "prompt")
    for queue in config.queues.values():
        names.update(n for n in (queue.hold_music, queue.comfort_prompt) if n)
    return sorted(names)


def _announces(config: Config) -> bool:
    return any(
        q.announce_every_s > 0 and (q.announce_position or q.announce_wait)
        for q in config.queues.values()
    )


class PromptStore:
    """Prompts by (name, language), from memory; see the module docstring.

    ``speak(text, voice)`` is the text-to-speech function (espeak-ng by default);
    ``base_dir`` is where the config's relative WAV paths start (the config file's
    folder). Use it from the event loop; renders run in a worker thread.
    """

    def __init__(
        self,
        *,
        cache_dir: str | Path,
        base_dir: str | Path = ".",
        speak: Speak | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.base_dir = Path(base_dir)
        self._speak = speak or (lambda text, voice: tts.speak(text, voice, SPEED_WPM, PITCH))
        self._config: Config | None = None
        self._audio: dict[tuple[str, str], np.ndarray] = {}
        self._spoken: OrderedDict[str, np.ndarray] = OrderedDict()
        #: espeak-ng runs so far (a cache hit on disk or in memory costs none).
        self.renders = 0

    # -- start-up -------------------------------------------------------------------

    async def prepare(self, config: Config) -> None:
        """Load and render every used prompt in every available language; also render a
        queue-status sentence per language when a queue announces. Raises PromptError
        listing every prompt that cannot be played, and then keeps what it had: a
        reload with a broken prompt leaves the running config's prompts in place."""
        # Everything is loaded afresh (after a reload a WAV may have changed); text
        # comes from the speech cache, so that costs no espeak run.
        audio: dict[tuple[str, str], np.ndarray] = {}
        problems: list[str] = []
        langs = config.languages.available
        for name in used_prompts(config):
            for lang in langs:
                try:
                    audio[(name, lang)] = await self._load(config, name, lang)
                except PromptError as exc:
                    problems.append(str(exc))
        if _announces(config):
            for lang in langs:
                try:
                    text = phrases.queue_status_text(1, 60.0, lang)
                    await self._speech(text, config.languages.voice(lang))
                except (PromptError, ValueError) as exc:
                    problems.append(f"queue announcements in '{lang}': {exc}")
        if problems:
            raise PromptError("; ".join(problems))
        self._config, self._audio = config, audio

    # -- playing --------------------------------------------------------------------

    async def get(self, name: str, lang: str) -> np.ndarray:
        """The audio of prompt ``name`` in ``lang`` (from memory once prepared)."""
        if name == BEEP:
            return _BEEP
        audio = self._audio.get((name, lang))
        if audio is None:
            audio = await self._load(self._config, name, lang)
            self._audio[(name, lang)] = audio
        return audio

    def has(self, name: str, lang: str) -> bool:
        """Whether ``name`` can be played in ``lang`` (without loading it)."""
        if name == BEEP or (name, lang) in self._audio:
            return True
        prompt = self._config.prompts.get(name) if self._config else None
        return prompt is not None and prompt.has(lang)

    async def speech(self, text: str, lang: str) -> np.ndarray:
        """``text`` spoken in ``lang`` (that language's configured voice), cached."""
        return await self._speech(
            text, self._config.languages.voice(lang) if self._config else lang
        )

    async def _speech(self, text: str, voice: str) -> np.ndarray:
        key = self._key(text, voice)
        audio = self._spoken.get(key)
        if audio is None:
            audio = await asyncio.to_thread(self._render, key, text, voice)
            self._spoken[key] = audio
            while len(self._spoken) > SPEECH_MEMORY:
                self._spoken.popitem(last=False)
        else:
            self._spoken.move_to_end(key)
        return audio

    # -- loading and rendering ------------------------------------------------------

    @staticmethod
    def _prompt(config: Config | None, name: str) -> Prompt:
        prompts = config.prompts if config else {}
        prompt = prompts.get(name)
        if prompt is None:
            known = ", ".join(sorted(prompts)) or "none are configured"
            raise PromptError(f"unknown prompt {name!r} (expected one of {known})")
        return prompt

    async def _load(self, config: Config | None, name: str, lang: str) -> np.ndarray:
        prompt = self._prompt(config, name)
        file = prompt.wav.get(lang) or prompt.file
        if file is not None:
            path = self.base_dir / file
            try:
                return await asyncio.to_thread(load_line_audio, path)
            except ValueError as exc:
                raise PromptError(f"prompt {name!r} ({lang}): {exc}") from None
        text = prompt.text.get(lang, "").strip()
        if not text:
            have = sorted({*prompt.wav, *(k for k, v in prompt.text.items() if v.strip())})
            raise PromptError(
                f"prompt {name!r} has no {lang!r} version "
                f"(has {', '.join(have) or 'none'}; expected text.{lang}, wav.{lang} or file)"
            )
        try:
            return await self._speech(text, config.languages.voice(lang) if config else lang)
        except PromptError as exc:
            raise PromptError(f"prompt {name!r} ({lang}): {exc}") from None

    def _key(self, text: str, voice: str) -> str:
        blob = "\0".join((espeak_version(), voice, str(SPEED_WPM), str(PITCH), text))
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def _render(self, key: str, text: str, voice: str) -> np.ndarray:
        """Worker thread: the disk cache, or espeak-ng (then stored in the cache)."""
        path = self.cache_dir / f"{key}.wav"
        try:
            samples, info = read_wav(path)
            if info.sample_rate == LINE_RATE and len(samples):
                return samples
        except (OSError, WavError):
            pass  # not cached yet, or a torn file: render again
        try:
            samples = self._speak(text, voice)
        except tts.TtsError as exc:
            raise PromptError(f"cannot speak with voice {voice!r}: {exc}") from None
        self.renders += 1
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        write_wav(tmp, samples)
        os.replace(tmp, path)  # whole or absent: a crash never leaves half a prompt
        return samples

    def cached_files(self) -> Iterable[Path]:
        """The rendered prompts on disk."""
        return sorted(self.cache_dir.glob("*.wav")) if self.cache_dir.is_dir() else []


_BEEP = _beep()

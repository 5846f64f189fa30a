"""The prompt store (WAV and espeak-ng text, cached on disk and in memory) and the
queue-status sentences.

Most tests count renders with a stand-in for espeak-ng; a few run the real one on
short texts (it is installed here; they skip where it is not).
"""

from __future__ import annotations

import tomllib

import numpy as np
import pytest

from firmware.audio import phrases, prompts, tts
from firmware.audio.prompts import BEEP, PromptError, PromptStore, used_prompts
from firmware.audio.wav import write_wav
from firmware.config import EXAMPLE, parse_config

needs_espeak = pytest.mark.skipif(not tts.available(), reason="espeak-ng is not installed")

BASE = """
box_id = "t1"
[languages]
available = ["en", "ru"]
default = "en"
voices = { ru = "ru" }
[lines.l1]
kind = "gsm"
port = "/dev/null"
flow = "main"
[queues.q]
strategy = "ringall"
announce_every_s = 0
comfort_prompt = "comfort"
[agents.anna]
queues = ["q"]
[ivr.main]
start = "hello"
silence_after_s = 0
[ivr.main.nodes.hello]
type = "play"
prompt = "hello"
next = "bye"
[ivr.main.nodes.bye]
type = "hangup"
prompt = "bye"
[prompts.hello]
text = { en = "Hello.", ru = "Привет." }
[prompts.bye]
text = { en = "Goodbye.", ru = "До свидания." }
[prompts.comfort]
text = { en = "Please hold.", ru = "Ожидайте." }
[prompts.unused]
text = { en = "Nobody plays me." }
"""


def config(tmp_path, edit=None):
    data = tomllib.loads(BASE)
    if edit:
        edit(data)
    return parse_config(data, base_dir=tmp_path)


class Speaker:
    """espeak-ng's stand-in: 10 ms of tone per character; counts what it says."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []

    def __call__(self, text: str, voice: str) -> np.ndarray:
        self.said.append((text, voice))
        return np.full(80 * len(text), 1000, np.int16)


async def test_prepare_renders_each_used_text_once_and_the_disk_cache_keeps_it(tmp_path):
    cfg = config(tmp_path)
    assert used_prompts(cfg) == ["bye", "comfort", "hello"]
    speak = Speaker()
    store = PromptStore(cache_dir=tmp_path / "cache", speak=speak)
    await store.prepare(cfg)
    assert sorted(speak.said) == sorted(
        [
            ("Hello.", "en"),
            ("Привет.", "ru"),
            ("Goodbye.", "en"),
            ("До свидания.", "ru"),
            ("Please hold.", "en"),
            ("Ожидайте.", "ru"),
        ]
    )  # 'unused' is not rendered
    assert store.renders == 6 and len(list(store.cached_files())) == 6
    assert len(await store.get("hello", "ru")) == 80 * len("Привет.")
    await store.prepare(cfg)  # a reload: everything from memory
    again = PromptStore(cache_dir=tmp_path / "cache", speak=Speaker())
    await again.prepare(cfg)  # a restart: everything from disk
    assert store.renders == 6 and again.renders == 0
    assert np.array_equal(await again.get("bye", "en"), await store.get("bye", "en"))


async def test_the_cache_key_holds_text_voice_and_espeak_version(tmp_path, monkeypatch):
    speak = Speaker()
    store = PromptStore(cache_dir=tmp_path / "cache", speak=speak)
    await store.prepare(config(tmp_path))
    other_voice = config(tmp_path, lambda d: d["languages"].update(voices={"ru": "ru-x"}))
    await store.prepare(other_voice)
    assert store.renders == 6 + 3  # the Russian texts again, in the other voice
    monkeypatch.setattr(prompts, "espeak_version", lambda: "eSpeak NG 9.99")
    fresh = PromptStore(cache_dir=tmp_path / "cache", speak=Speaker())
    await fresh.prepare(other_voice)
    assert fresh.renders == 6  # an upgraded espeak-ng renders everything afresh


async def test_unknown_prompts_and_missing_languages_are_errors_naming_them(tmp_path):
    store = PromptStore(cache_dir=tmp_path, speak=Speaker())
    await store.prepare(config(tmp_path))
    with pytest.raises(PromptError, match=r"unknown prompt 'helo' \(expected one of bye, "):
        await store.get("helo", "en")
    with pytest.raises(PromptError, match=r"prompt 'unused' has no 'ru' version \(has en;"):
        await store.get("unused", "ru")
    assert store.has("hello", "ru") and not store.has("unused", "ru")
    assert len(await store.get(BEEP, "fa")) == 3200  # the built-in beep: any language


async def test_wav_prompts_are_resampled_and_a_bad_one_is_named(tmp_path):
    write_wav(tmp_path / "hold.wav", np.zeros(16000, np.int16), sample_rate=16000)
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunkjunk")

    def edit(d):
        d["prompts"]["music"] = {"file": "hold.wav"}
        d["prompts"]["hello"] = {"wav": {"en": "bad.wav"}, "text": {"ru": "Привет."}}
        d["queues"]["q"]["hold_music"] = "music"

    store = PromptStore(cache_dir=tmp_path / "c", base_dir=tmp_path, speak=Speaker())
    with pytest.raises(PromptError) as info:
        await store.prepare(config(tmp_path, edit))
    assert "prompt 'hello' (en):" in str(info.value) and "bad.wav" in str(info.value)
    assert not store.has("music", "ru")  # a failed prepare changes nothing
    write_wav(tmp_path / "bad.wav", np.zeros(800, np.int16))
    await store.prepare(config(tmp_path, edit))
    assert len(await store.get("music", "ru")) == 8000  # 1 s at 16 kHz -> 8 kHz


async def test_announcing_queues_need_sentences_in_every_language(tmp_path):
    def edit(d):
        d["queues"]["q"]["announce_every_s"] = 60
        d["languages"].update(available=["en", "de"], voices={})
        for p in d["prompts"].values():
            p["text"]["de"] = "Hallo."

    speak = Speaker()
    store = PromptStore(cache_dir=tmp_path, speak=speak)
    with pytest.raises(PromptError, match=r"queue announcements in 'de': no queue-status"):
        await store.prepare(config(tmp_path, edit))
    assert (phrases.queue_status_text(1, 60.0, "en"), "en") in speak.said


@needs_espeak
async def test_a_missing_espeak_voice_stops_the_start_naming_prompt_and_voice(tmp_path):
    cfg = config(tmp_path, lambda d: d["languages"].update(voices={"ru": "zz-none"}))
    store = PromptStore(cache_dir=tmp_path)
    with pytest.raises(PromptError) as info:
        await store.prepare(cfg)
    text = str(info.value)
    assert "prompt 'hello' (ru): cannot speak with voice 'zz-none'" in text
    assert "prompt 'bye' (ru)" in text and "(en)" not in text  # all listed, English fine


@needs_espeak
async def test_the_example_configs_prompts_render_with_real_espeak(tmp_path):
    cfg = parse_config(tomllib.loads(EXAMPLE.read_text("utf-8")), base_dir=EXAMPLE.parent)
    store = PromptStore(cache_dir=tmp_path)
    await store.prepare(cfg)
    langs = cfg.languages.available
    assert store.renders == len(used_prompts(cfg)) * len(langs) + len(langs)  # + status
    for lang in langs:
        audio = await store.get("welcome", lang)
        assert 0.8 < len(audio) / 8000 < 4 and np.abs(audio).max() > 1000


# --- queue-status sentences -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "position", "wait_s", "text"),
    [
        ("en", 1, 60, "You are number 1 in the queue. The expected wait is about 1 minute."),
        ("en", 4, 241, "You are number 4 in the queue. The expected wait is about 5 minutes."),
        ("ru", 2, 60, "Вы номер 2 в очереди. Время ожидания примерно 1 минута."),
        ("ru", None, 180, "Время ожидания примерно 3 минуты."),
        ("ru", None, 660, "Время ожидания примерно 11 минут."),
        ("ru", None, 1260, "Время ожидания примерно 21 минута."),
        ("uk", 3, 300, "Ви номер 3 у черзі. Час очікування приблизно 5 хвилин."),
        ("uk", None, 1320, "Час очікування приблизно 22 хвилини."),
        ("fa", 2, 120, "شما نفر 2 در صف هستید. زمان انتظار حدود 2 دقیقه است."),
        ("en", 7, None, "You are number 7 in the queue."),
        ("en", None, 0, "The expected wait is about 1 minute."),
    ],
)
def test_queue_status_sentences(lang, position, wait_s, text):
    assert phrases.queue_status_text(position, wait_s, lang) == text


def test_queue_status_bad_input_is_named():
    assert phrases.queue_status_text(None, None, "en") == ""
    with pytest.raises(ValueError, match=r"language 'de' \(expected one of en, ru, uk, fa\)"):
        phrases.queue_status_text(1, 60, "de")
    with pytest.raises(ValueError, match="position 0"):
        phrases.queue_status_text(0, 60, "en")


@needs_espeak
async def test_queue_status_is_spoken_in_all_four_languages(tmp_path):
    store = PromptStore(cache_dir=tmp_path)
    lengths = {}
    for lang in phrases.LANGUAGES:
        audio = await store.speech(phrases.queue_status_text(2, 200, lang), lang)
        lengths[lang] = len(audio) / 8000
    assert all(2.0 < s < 9.0 for s in lengths.values()), lengths
    assert store.renders == 4
    await store.speech(phrases.queue_status_text(2, 200, "fa"), "fa")
    assert store.renders == 4  # a repeat comes from memory

"""The public commands: hotline dtmf, tones, analyze (as users and scripts call them)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from dsp_ext.generate import dtmf
from dsp_ext.resample import Resampler
from firmware.audio.wav import parse_wav, write_wav
from firmware.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_tones_then_dtmf_round_trip(tmp_path, capsys):
    wav = tmp_path / "keys.wav"
    assert (
        run(
            capsys, "tones", "dtmf", "0123456789*#abcd", "-o", str(wav), "--on", "60", "--off", "60"
        )[0]
        == 0
    )
    code, out, _ = run(capsys, "dtmf", str(wav))
    assert (code, out) == (0, "0123456789*#ABCD\n")


def test_dtmf_json_gives_digit_and_seconds(tmp_path, capsys):
    wav = tmp_path / "k.wav"
    write_wav(wav, dtmf("42", on_ms=100, off_ms=100, lead_ms=250))
    code, out, _ = run(capsys, "dtmf", str(wav), "--json")
    events = json.loads(out)
    assert code == 0 and [e["digit"] for e in events] == ["4", "2"]
    assert abs(events[0]["start_s"] - 0.25) < 0.003 and abs(events[0]["end_s"] - 0.35) < 0.003
    assert abs(events[1]["start_s"] - 0.45) < 0.003


def test_dtmf_raw_input(tmp_path, capsys):
    raw = tmp_path / "k.raw"
    raw.write_bytes(dtmf("7#").astype("<i2").tobytes())
    assert run(capsys, "dtmf", str(raw), "--raw")[1] == "7#\n"


@pytest.mark.parametrize("rate", [11025, 16000, 44100, 48000])
def test_dtmf_wav_at_other_rates_is_resampled(tmp_path, capsys, rate):
    wav = tmp_path / "k.wav"
    write_wav(wav, dtmf("159D", sample_rate=rate, on_ms=70, off_ms=70), rate)
    assert run(capsys, "dtmf", str(wav))[1] == "159D\n"


def test_dtmf_timing_survives_resampling(tmp_path, capsys):
    # The resampler's delay is taken out: times match the 8 kHz original.
    x8 = dtmf("5", on_ms=100, lead_ms=300)
    rs = Resampler(8000, 48000)
    x48 = np.concatenate([rs.process(x8), rs.flush()])[rs.delay_samples :]
    wav = tmp_path / "k.wav"
    write_wav(wav, x48, 48000)
    (event,) = json.loads(run(capsys, "dtmf", str(wav), "--json")[1])
    assert abs(event["start_s"] - 0.3) < 0.003


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"not audio at all", "not a WAV file"),
        (b"RIFF\x10\x00\x00\x00WAVEfmt ", "no 'fmt ' chunk"),
    ],
)
def test_dtmf_broken_file_is_one_line_and_status_2(tmp_path, content, words):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(content)
    run_ = subprocess.run(
        [sys.executable, "-m", "firmware.cli", "dtmf", str(bad)], capture_output=True, text=True
    )
    assert run_.returncode == 2
    assert run_.stdout == ""
    lines = run_.stderr.strip().splitlines()
    assert len(lines) == 1 and "broken.wav" in lines[0] and words in lines[0]


def test_dtmf_missing_file_and_odd_raw(tmp_path, capsys):
    code, _, err = run(capsys, "dtmf", str(tmp_path / "nope.wav"))
    assert code == 2 and "nope.wav: cannot read" in err
    odd = tmp_path / "odd.raw"
    odd.write_bytes(b"\x01\x02\x03")
    code, _, err = run(capsys, "dtmf", str(odd), "--raw")
    assert code == 2 and "odd length" in err


def test_tones_reject_bad_arguments(tmp_path, capsys):
    out = str(tmp_path / "x.wav")
    code, _, err = run(capsys, "tones", "dtmf", "12x", "-o", out)
    assert code == 2 and "characters X" in err
    code, _, err = run(capsys, "tones", "progress", "busy", "--country", "ZZ", "-o", out)
    assert code == 2 and "no tone plan" in err and "RU" in err
    code, _, err = run(capsys, "tones", "progress", "beep", "--country", "US", "-o", out)
    assert code == 2 and "'beep' is not a tone of US" in err


@pytest.mark.parametrize(
    ("country", "kind"), [("US", "busy"), ("RU", "congestion"), ("UA", "dial")]
)
def test_tones_progress_is_heard_by_analyze(tmp_path, capsys, country, kind):
    wav = tmp_path / "t.wav"
    assert run(capsys, "tones", "progress", kind, "--country", country, "-o", str(wav))[0] == 0
    samples, info = parse_wav(wav.read_bytes())
    assert info.sample_rate == 8000 and len(samples) == 8 * 8000
    code, out, _ = run(capsys, "analyze", str(wav), "--country", country, "--json")
    tones = json.loads(out)["tones"]
    assert code == 0 and tones and tones[0]["tone"] == kind and tones[0]["state"] == "detected"


def test_analyze_hears_the_demo_call(tmp_path, capsys):
    from firmware.commands.demo import CALLER, KEYS, build_call

    wav = tmp_path / "call.wav"
    write_wav(wav, build_call(seed=3))
    code, out, _ = run(capsys, "analyze", str(wav), "--json")
    heard = json.loads(out)
    assert code == 0
    assert "".join(d["digit"] for d in heard["digits"]) == "".join(KEYS)
    assert [c["number"] for c in heard["caller_id"]] == [CALLER.number]
    assert heard["caller_id"][0]["name"] == CALLER.name and heard["caller_id"][0]["checksum_ok"]
    assert any(t["tone"] == "busy" for t in heard["tones"])
    code, text, _ = run(capsys, "analyze", str(wav))
    assert "digits: 14719#" in text and CALLER.number in text


def test_demo_runs_and_says_all_heard(tmp_path, capsys):
    code, out, _ = run(capsys, "demo", "--keep", str(tmp_path / "d.wav"))
    assert code == 0 and "All heard correctly." in out
    assert (tmp_path / "d.wav").exists()


def test_mgmt_serve_is_honest_that_it_is_not_built_yet(capsys):
    from mgmt.cli import main as mgmt_main

    assert mgmt_main(["serve"]) == 2
    assert "not part of this release" in capsys.readouterr().err


def test_analyze_does_not_call_signalling_speech(tmp_path, capsys):
    from firmware.commands.demo import build_call

    wav = tmp_path / "call.wav"
    call = build_call(seed=2)
    write_wav(wav, call)
    heard = json.loads(run(capsys, "analyze", str(wav), "--json")[1])
    signalling = [(d["start_s"], d["end_s"]) for d in heard["digits"]]
    signalling += [(c["start_s"] - 0.5, c["end_s"]) for c in heard["caller_id"]]
    for span in heard["speech"]:
        assert not any(a - 0.03 <= span["start_s"] <= b for a, b in signalling), span
    # the sentence the caller says is still speech (espeak-ng is installed by bootstrap)
    from firmware.audio import tts

    if tts.available():
        assert any(s["end_s"] - s["start_s"] > 1.0 for s in heard["speech"])

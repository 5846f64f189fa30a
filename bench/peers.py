"""The DTMF receivers we measure ourselves against, behind one small interface.

* spandsp's ``dtmf_rx`` through ctypes on Debian's ``libspandsp2``;
* multimon-ng's DTMF decoder as a subprocess (it wants 22.05 kHz raw input);
* ours, ``dsp_ext.DtmfDetector``.

Each ``decode(samples, frame)`` returns the digit string for 8 kHz int16 samples,
fed ``frame`` samples at a time (0 = the whole array in one call).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import shutil
import subprocess

import numpy as np

from dsp_ext.dtmf import DtmfDetector


class Ours:
    name = "hotline"

    def decode(self, x: np.ndarray, frame: int = 0) -> str:
        det = DtmfDetector()
        events = []
        if frame:
            for i in range(0, len(x), frame):
                events += det.process(x[i : i + frame])
        else:
            events = det.process(x)
        return "".join(e.digit for e in events + det.flush())


class Spandsp:
    name = "spandsp"

    def __init__(self) -> None:
        path = ctypes.util.find_library("spandsp") or "libspandsp.so.2"
        lib = ctypes.CDLL(path)
        lib.dtmf_rx_init.restype = ctypes.c_void_p
        lib.dtmf_rx_init.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        lib.dtmf_rx.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
        lib.dtmf_rx_get.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        lib.dtmf_rx_free.argtypes = [ctypes.c_void_p]
        self.lib = lib

    @staticmethod
    def available() -> bool:
        try:
            Spandsp()
        except OSError:
            return False
        return True

    def decode(self, x: np.ndarray, frame: int = 0) -> str:
        lib = self.lib
        s = lib.dtmf_rx_init(None, None, None)
        buf = ctypes.create_string_buffer(256)
        xs = np.ascontiguousarray(x, dtype=np.int16)
        base = xs.ctypes.data
        step = frame or len(xs)
        out = []
        for i in range(0, len(xs), step):
            lib.dtmf_rx(s, base + 2 * i, min(step, len(xs) - i))
            n = lib.dtmf_rx_get(s, buf, 256)
            out.append(buf.raw[:n].decode())
        # a digit still sounding at the end: a little silence lets spandsp report it
        silence = np.zeros(800, np.int16)
        lib.dtmf_rx(s, silence.ctypes.data, len(silence))
        out.append(buf.raw[: lib.dtmf_rx_get(s, buf, 256)].decode())
        lib.dtmf_rx_free(s)
        return "".join(out)


class MultimonNg:
    name = "multimon-ng"

    @staticmethod
    def available() -> bool:
        return shutil.which("multimon-ng") is not None

    def decode(self, x: np.ndarray, frame: int = 0) -> str:
        from dsp_ext.resample import Resampler

        rs = Resampler(8000, 22050)
        tail = np.zeros(800, np.int16)
        y = np.concatenate([rs.process(x), rs.process(tail), rs.flush()])
        run = subprocess.run(
            ["multimon-ng", "-q", "-c", "-a", "DTMF", "-t", "raw", "-"],
            input=y.astype("<i2").tobytes(),
            capture_output=True,
            check=True,
        )
        digits = []
        for line in run.stdout.decode(errors="replace").splitlines():
            if line.startswith("DTMF: "):
                digits.append(line[6:].strip())
        return "".join(digits)

"""Plain NumPy reference of ``dsp_ext.progress.ProgressToneDetector``.

Same blocks, same decisions, written the obvious way: each block's spectrum at the
plan's frequencies is a direct DFT (a matrix product with complex exponentials), the
classification and debouncing are plain Python, and the cadence matching is the
shared ``dsp_ext.cadence`` module.
"""

from __future__ import annotations

import numpy as np

from ..cadence import CadenceTracker, DetectorConfig, ProgressEvent, configure
from ..pcm import as_pcm16
from ..tonesets import MEASUREMENT_SLACK_MS, TonePlan, plan


class ProgressToneDetectorRef:
    """Reference call-progress tone detector (see the Cython kernel for the contract)."""

    def __init__(
        self,
        country: str = "ITU",
        sample_rate: int = 8000,
        *,
        block_ms: float = 20.0,
        min_level_dbm0: float = -42.0,
        dominance: float = 0.7,
        max_twist_db: float = 8.0,
        debounce_blocks: int = 2,
        slack_ms: float = MEASUREMENT_SLACK_MS,
    ) -> None:
        self.config: DetectorConfig = configure(
            country,
            sample_rate,
            block_ms,
            min_level_dbm0,
            dominance,
            max_twist_db,
            debounce_blocks,
            slack_ms,
        )
        n = np.arange(self.config.block)
        w = 2 * np.pi * np.asarray(self.config.freqs_hz) / sample_rate
        self._kernel = np.exp(-1j * np.outer(w, n))  # (freqs, block)
        self._tracker = CadenceTracker(self.config.tones, sample_rate)
        self.reset()

    @property
    def country(self) -> str:
        return self.config.country

    @property
    def sample_rate(self) -> int:
        return self.config.sample_rate

    @property
    def tone_plan(self) -> TonePlan:
        return plan(self.config.country)

    def reset(self) -> None:
        self._pending = np.zeros(0, dtype=np.int16)
        self._pos = 0
        self._cur = 0
        self._cand = 0
        self._cand_start = 0
        self._cand_count = 0
        self._tracker.reset()

    def process(self, samples: np.ndarray) -> list[ProgressEvent]:
        x = np.concatenate([self._pending, as_pcm16(samples)])
        b = self.config.block
        n_blocks = len(x) // b
        self._pending = x[n_blocks * b :].copy()
        events: list[ProgressEvent] = []
        for i in range(n_blocks):
            events += self._block(x[i * b : (i + 1) * b])
        return events

    def classify(self, block: np.ndarray) -> int:
        """Sound id that dominates ``block``, or 0 for no tone."""
        cfg = self.config
        y = block.astype(np.float64)
        energy = float(y @ y)
        if energy < cfg.min_energy:
            return 0
        share = 2.0 * np.abs(self._kernel @ y) ** 2 / (cfg.block * energy)
        ratio = [0.0] * (cfg.n_sounds + 1)
        for sid, idx in zip(cfg.alt_sound, cfg.alt_freqs, strict=True):
            total = sum(share[k] for k in idx)
            if all(share[k] >= cfg.min_share * total for k in idx) and total > ratio[sid]:
                ratio[sid] = total
        best, best_ratio = 0, 0.0
        for sid in range(1, cfg.n_sounds + 1):
            if ratio[sid] >= cfg.dominance and ratio[sid] > best_ratio:
                best, best_ratio = sid, ratio[sid]
        return best

    def _block(self, block: np.ndarray) -> list[ProgressEvent]:
        sym = self.classify(block)
        start, end = self._pos, self._pos + self.config.block
        self._pos = end
        # Debounce: a new sound counts once it has held for debounce_blocks blocks,
        # and then from the block where it first appeared.
        if sym == self._cur:
            self._cand_count = 0
        elif self._cand_count > 0 and sym == self._cand:
            self._cand_count += 1
        else:
            self._cand, self._cand_start, self._cand_count = sym, start, 1
        events = []
        if self._cand_count >= self.config.debounce_blocks:
            events += self._tracker.boundary(self._cand_start, self._cand, end)
            self._cur, self._cand_count = self._cand, 0
        known_end = self._cand_start if self._cand_count > 0 else end
        if known_end >= self._tracker.next_check:
            events += self._tracker.tick(known_end, end)
        return events

"""Audio: frames, WAV files, prompts, recorder, headsets, the line↔headset bridge."""

"""``hotline demo``: the whole office on one machine.

Emulated Huawei sticks on pseudo-terminals, the real daemon (drivers, DSP, IVR, ACD,
stations, journal) on the real clock, simulated callers pressing keys down the line
audio, simulated operators answering and one real desk worked by a robot hand, and a
wallboard in the terminal. See docs/demo.md.

- :mod:`.office`: the demo's config, written from ``office.toml``;
- :mod:`.callers`: people ringing the sticks; :mod:`.operators`: simulated operators;
- :mod:`.desk`: a robot hand at the one real station (desk1), by its LEDs and buttons;
  :mod:`.seat`: that station wired up; :mod:`.voice`: the operator's voice, and what
  the callers heard of it;
- :mod:`.words`: journal events in words; :mod:`.wallboard`: the board;
- :mod:`.runner`: all of it, start to end, and the KPIs; :mod:`.report`: the closing text;
- :mod:`.dsp`: the older demo (``hotline demo --dsp``), the DSP core on one call.
"""

"""``hotline demo``: the whole office on one machine.

Emulated Huawei sticks on pseudo-terminals, the real daemon (drivers, DSP, IVR, ACD,
journal) on the real clock, simulated callers pressing keys down the line audio and
simulated operators answering, and a wallboard in the terminal. See docs/demo.md.

- :mod:`.office`: the demo's config, written from ``office.toml``;
- :mod:`.callers`: people ringing the sticks; :mod:`.operators`: people at the desks;
- :mod:`.words`: journal events in words; :mod:`.wallboard`: the board;
- :mod:`.runner`: all of it, start to end, and the KPIs; :mod:`.report`: the closing text;
- :mod:`.dsp`: the older demo (``hotline demo --dsp``), the DSP core on one call.
"""

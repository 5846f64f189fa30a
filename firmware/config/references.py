"""Checks that look across sections: names that must exist, pins used once, files on disk.

Runs on whatever validated: ``valid`` holds each section that passed its own checks
(dict sections keep the entries that passed), ``names`` the keys each table section
declares even when their contents are wrong, so a broken queue does not also make
every reference to it "unknown". Every check adds to one list; nothing stops early.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any

from .errors import Path, Problem, format_path, show
from .lines import FxoLine

_RGB = ("red", "green", "blue")


def _expected(names: Iterable[str]) -> str:
    names = sorted(names)
    return f"expected one of {', '.join(names)}" if names else "none are configured"


class _Checker:
    def __init__(
        self, valid: dict[str, Any], names: dict[str, set[str]], base_dir: FsPath, raw: dict
    ) -> None:
        self.valid, self.names, self.base_dir, self.raw = valid, names, base_dir, raw
        self.problems: list[Problem] = []
        self.used_prompts: dict[str, Path] = {}  # prompt -> first place that uses it

    def add(self, path: Path, text: str) -> None:
        self.problems.append(Problem(path, text))

    def ref(self, path: Path, name: str, section: str, what: str) -> bool:
        """Whether ``name`` is a key of ``[section]``; reports it if not."""
        if section not in self.names or name in self.names[section]:
            return True  # an unreadable section was reported already
        self.add(path, f"{show(name)} is not {what} ({_expected(self.names[section])})")
        return False

    def prompt(self, path: Path, name: str | None) -> None:
        if name is not None and self.ref(path, name, "prompts", "a prompt"):
            self.used_prompts.setdefault(name, path)

    # --- per section -------------------------------------------------------------

    def languages(self) -> None:
        langs = self.valid.get("languages")
        if langs is None:
            return
        if langs.default not in langs.available:
            self.add(
                ("languages", "default"),
                f"{show(langs.default)} is not one of the available languages "
                f"({_expected(langs.available)})",
            )
        for lang in langs.voices:
            if lang not in langs.available:
                self.add(
                    ("languages", "voices", lang),
                    f"{show(lang)} is not one of the available languages "
                    f"({_expected(langs.available)})",
                )

    def lines(self) -> None:
        for line_id, line in (self.valid.get("lines") or {}).items():
            self.ref(("lines", line_id, "flow"), line.flow, "ivr", "an IVR flow")

    def ivr(self) -> None:
        langs = self.valid.get("languages")
        for flow_name, flow in (self.valid.get("ivr") or {}).items():
            base: Path = ("ivr", flow_name)
            nodes = self._node_names(flow_name, flow)
            if flow.start not in nodes:
                self.add(
                    (*base, "start"),
                    f"{show(flow.start)} is not a node of flow '{flow_name}' ({_expected(nodes)})",
                )
            if flow.silence_after_s > 0 and flow.silence_prompt is None:
                self.add(
                    (*base, "silence_prompt"),
                    "missing (required when silence_after_s is more than 0: 'we cannot hear you')",
                )
            self.prompt((*base, "silence_prompt"), flow.silence_prompt)
            for node_name, node in flow.nodes.items():
                where = (*base, "nodes", node_name)
                for sub, kind, name in node.refs():
                    path = (*where, *sub)
                    if kind == "node" and name not in nodes:
                        self.add(
                            path,
                            f"{show(name)} is not a node of flow '{flow_name}' "
                            f"({_expected(nodes)})",
                        )
                    elif kind == "queue":
                        self.ref(path, name, "queues", "a queue")
                    elif kind == "schedule":
                        self.ref(path, name, "hours", "a business-hours schedule")
                    elif kind == "prompt":
                        self.prompt(path, name)
                    elif kind == "language" and langs and name not in langs.available:
                        self.add(
                            path,
                            f"{show(name)} is not one of the available languages "
                            f"({_expected(langs.available)})",
                        )
                if getattr(node, "type", "") == "agent_login" and not self._numbered():
                    self.add(
                        (*where, "type"),
                        "'agent_login' needs station numbers (expected a number in at least "
                        "one [stations.<name>]: it is what the operator keys in)",
                    )
                if getattr(node, "type", "") == "collect" and node.min_digits > node.max_digits:
                    self.add(
                        (*where, "min_digits"),
                        f"{node.min_digits} is more than max_digits "
                        f"(expected at most {node.max_digits})",
                    )

    def traffic(self) -> None:
        traffic = self.valid.get("traffic")
        if traffic is None:
            return
        for prompt in traffic.keys:
            # Only names: a simulated caller hears no audio, so this uses no prompt.
            self.ref(("traffic", "keys", prompt), prompt, "prompts", "a prompt")
        if traffic.staffed is not None:
            self.ref(("traffic", "staffed"), traffic.staffed, "hours", "a business-hours schedule")

    def _numbered(self) -> bool:
        # An unreadable [stations] was reported already: do not pile on.
        stations = self.valid.get("stations")
        return stations is None or any(st.number is not None for st in stations.values())

    def _node_names(self, flow_name: str, flow: Any) -> set[str]:
        # The flow's raw node names: a node that failed its own checks still exists.
        raw = self.raw.get("ivr", {}).get(flow_name, {})
        raw_nodes = raw.get("nodes") if isinstance(raw, dict) else None
        return set(raw_nodes) if isinstance(raw_nodes, dict) else set(flow.nodes)

    def queues(self) -> None:
        agents = self.valid.get("agents")
        for name, q in (self.valid.get("queues") or {}).items():
            base: Path = ("queues", name)
            if q.strategy == "skills" and not q.skills:
                self.add(
                    (*base, "skills"),
                    "is empty (expected the skills this queue needs when strategy is 'skills')",
                )
            if q.hours is not None:
                self.ref((*base, "hours"), q.hours, "hours", "a business-hours schedule")
            self.prompt((*base, "hold_music"), q.hold_music)
            self.prompt((*base, "comfort_prompt"), q.comfort_prompt)
            if (q.max_wait_s is not None or q.max_length is not None) and q.overflow is None:
                self.add(
                    (*base, "overflow"), "missing (required when max_wait_s or max_length is set)"
                )
            if q.overflow is not None:
                self._overflow((*base, "overflow"), name, q.overflow, agents)

    def _overflow(self, base: Path, queue: str, ov: Any, agents: dict | None) -> None:
        path, target = (*base, "target"), ov.target
        if ov.action in ("queue", "supervisor") and target is None:
            self.add(path, f"missing (required when action is '{ov.action}')")
        elif ov.action in ("callback", "hangup") and target is not None:
            self.add(path, f"{show(target)} is not allowed (action '{ov.action}' takes no target)")
        elif ov.action == "queue":
            if target == queue:
                self.add(path, f"{show(target)} is this queue (expected another queue)")
            else:
                self.ref(path, target, "queues", "a queue")
        elif ov.action == "supervisor" and self.ref(path, target, "agents", "an agent"):
            agent = (agents or {}).get(target)
            if agent is not None and not agent.supervisor:
                self.add(path, f"{show(target)} is not a supervisor (expected supervisor = true)")

    def agents(self) -> None:
        codes: dict[str, str] = {}  # login code -> the first agent with it
        for name, agent in (self.valid.get("agents") or {}).items():
            for i, q in enumerate(agent.queues):
                self.ref(("agents", name, "queues", i), q, "queues", "a queue")
            if agent.station is not None:
                self.ref(("agents", name, "station"), agent.station, "stations", "a station")
            if agent.login_code is not None:
                code = agent.login_code.get_secret_value()
                if code in codes:
                    # Never print the code itself: name the agent it clashes with.
                    self.add(
                        ("agents", name, "login_code"),
                        f"is the same as agents.{codes[code]}.login_code "
                        "(expected a code of its own: it says who logs in)",
                    )
                codes.setdefault(code, name)
        acd = self.valid.get("acd")
        if acd is not None and acd.missed_pause_reason not in acd.pause_reasons:
            self.add(
                ("acd", "missed_pause_reason"),
                f"{show(acd.missed_pause_reason)} is not one of the pause reasons "
                f"({_expected(acd.pause_reasons)})",
            )

    def hardware(self) -> None:
        pins: list[tuple[Path, int]] = []
        headsets: dict[str, Path] = {}
        numbers: dict[int, str] = {}  # station number -> the first station with it
        for name, st in (self.valid.get("stations") or {}).items():
            if st.number is not None:
                if st.number in numbers:
                    # The number is what an operator keys in: it must say which desk.
                    self.add(
                        ("stations", name, "number"),
                        f"{st.number} is already the number of stations.{numbers[st.number]} "
                        "(expected a number of its own)",
                    )
                numbers.setdefault(st.number, name)
            if st.transfer_to is not None:
                self.ref(("stations", name, "transfer_to"), st.transfer_to, "queues", "a queue")
            elif "transfer" in st.buttons:
                self.add(
                    ("stations", name, "transfer_to"),
                    "missing: the transfer button needs a queue to hand the caller to "
                    "(expected transfer_to = a queue's name)",
                )
            pins += [(("stations", name, "buttons", b), p) for b, p in st.buttons.items()]
            pins += [(("stations", name, "leds", led), p) for led, p in st.leds.items()]
            if st.rgb is not None:
                pins += [(("stations", name, "rgb", c), getattr(st.rgb, c)) for c in _RGB]
            for key in ("buzzer", "ack_button"):
                if getattr(st, key) is not None:
                    pins.append((("stations", name, key), getattr(st, key)))
            key = st.headset.casefold().strip()
            if key in headsets:
                self.add(
                    ("stations", name, "headset"),
                    f"{show(st.headset)} is already the headset of "
                    f"{format_path(headsets[key])} (expected a different device)",
                )
            headsets.setdefault(key, ("stations", name))
        for name, button in (self.valid.get("panic") or {}).items():
            pins.append((("panic", name, "pin"), button.pin))
            for i, station in enumerate(button.stations):
                self.ref(("panic", name, "stations", i), station, "stations", "a station")
            if button.hold_alarm_s <= button.hold_s:
                self.add(
                    ("panic", name, "hold_alarm_s"),
                    f"{button.hold_alarm_s:g} is not more than hold_s "
                    f"(expected more than {button.hold_s:g})",
                )
        for line_id, line in (self.valid.get("lines") or {}).items():
            if isinstance(line, FxoLine):
                pins.append((("lines", line_id, "ring_pin"), line.ring_pin))
                pins.append((("lines", line_id, "hook_pin"), line.hook_pin))
        first: dict[int, Path] = {}
        for path, pin in pins:
            if pin in first:
                self.add(path, f"pin {pin} is already used by {format_path(first[pin])}")
            else:
                first[pin] = path

    def prompts(self) -> None:
        prompts = self.valid.get("prompts") or {}
        langs = self.valid.get("languages")
        for name, prompt in prompts.items():
            for sub, file in prompt.files():
                self._wav(("prompts", name, *sub), file)
        if langs is None:
            return
        for name in sorted(self.used_prompts):
            prompt = prompts.get(name)
            if prompt is None:
                continue
            for lang in langs.available:
                if not prompt.has(lang):
                    self.add(
                        ("prompts", name),
                        f"has no '{lang}' version (expected text.{lang}, wav.{lang} or file: "
                        f"'{lang}' is in languages.available and "
                        f"{format_path(self.used_prompts[name])} plays it)",
                    )

    def _wav(self, path: Path, file: str) -> None:
        full = self.base_dir / file
        try:
            with open(full, "rb") as fh:
                head = fh.read(12)
        except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
            why = getattr(exc, "strerror", None) or "cannot be opened"
            self.add(path, f"{show(file)} cannot be read: {why} (expected a WAV file at {full})")
            return
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            self.add(path, f"{show(file)} is not a WAV file (expected RIFF/WAVE audio)")

    def mqtt(self) -> None:
        mqtt = self.valid.get("mqtt")
        if mqtt is None:
            return
        if mqtt.password is not None and mqtt.username is None:
            self.add(("mqtt", "username"), "missing (required when a password is set)")
        if mqtt.ca_file is not None and not (self.base_dir / mqtt.ca_file).is_file():
            self.add(("mqtt", "ca_file"), f"{show(mqtt.ca_file)} is not a file")


def check_references(
    valid: dict[str, Any], names: dict[str, set[str]], base_dir: FsPath, raw: dict
) -> list[Problem]:
    """Every cross-section problem in ``valid`` (relative paths start at ``base_dir``;
    ``raw`` is the parsed TOML, for names whose contents did not validate)."""
    c = _Checker(valid, names, base_dir, raw)
    c.languages()
    c.lines()
    c.ivr()
    c.queues()
    c.agents()
    c.hardware()
    c.prompts()
    c.mqtt()
    c.traffic()
    return c.problems

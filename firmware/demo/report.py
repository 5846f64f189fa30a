"""What the demo says at the end: the KPIs, where the journal is, what to try next."""

from __future__ import annotations

from .runner import SL_THRESHOLD_S, DemoResult
from .seat import DeskReport, bridge_words


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _s(x: float | None) -> str:
    return "-" if x is None else f"{x:.1f} s"


def summary(result: DemoResult) -> tuple[str, bool]:
    """The closing text, and whether the office worked (some call was answered)."""
    k = result.kpis
    lines = [
        "",
        f"Callers made {result.rung} call(s); {result.busy} more found every line busy.",
        f"Calls offered {k.offered}, answered {k.answered}, abandoned {k.abandoned}.",
        f"ASA {_s(k.asa_s)}, service level {_pct(k.service_level)} "
        f"(answered within {SL_THRESHOLD_S:.0f} s), AHT {_s(k.aht_s)}.",
    ]
    for name, q in sorted(k.queues.items()):
        lines.append(
            f"  queue {name}: offered {q.offered}, answered {q.answered}, "
            f"abandoned {q.abandoned}, ASA {_s(q.asa_s)}"
        )
    for name, a in sorted(k.agents.items()):
        lines.append(
            f"  agent {name}: answered {a.answered}, AHT {_s(a.aht_s)}, "
            f"occupancy {_pct(a.occupancy)}"
        )
    if result.desk is not None:
        lines += desk_summary(result.desk)
    lines += [
        f"Journal: {result.journal} ({result.cdrs} call records; "
        f'sqlite3 {result.journal} "SELECT * FROM cdrs")',
        f"Config: {result.config}",
        f"try: hotline simulate --config {result.config} --days 7",
    ]
    ok = k.answered > 0
    if not ok:
        lines.append("No call was answered: the office did not work (see the log above).")
    return "\n".join(lines), ok


def desk_summary(d: DeskReport) -> list[str]:
    """What the real desk did, and whether its callers heard the operator."""
    did = d.did
    out = [
        f"Desk {d.station} ({d.agent or 'nobody'}; a robot hand on its buttons, eyes on its LEDs): "
        f"answered {did.answered} call(s) by the answer button, hung up {did.hung_up}, "
        f"paused {did.paused} time(s) by holding ready, {len(did.presses)} presses.",
        f"  headset audio sent to the line: {d.to_line_frames} frames ({d.to_line_s:.1f} s, "
        f"{d.speech_to_line_s:.1f} s of it speech)"
        + (f"; {bridge_words(d.stats)}" if d.stats is not None else "; the headset never opened"),
    ]
    if d.calls_heard:
        heard = "yes" if d.caller_heard_s > 0 else "no"
        out.append(
            f"  caller heard the operator: {heard} ({d.caller_heard_s:.1f} s of speech "
            f"over {d.calls_heard} call(s))"
        )
    else:
        out.append("  caller heard the operator: no call of the desk to listen to")
    return out

"""What the demo says at the end: the KPIs, where the journal is, what to try next."""

from __future__ import annotations

from .runner import SL_THRESHOLD_S, DemoResult


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

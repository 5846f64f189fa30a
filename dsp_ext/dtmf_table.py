"""The DTMF keypad: digits and their low-group (row) and high-group (column) tones."""

ROW_HZ = (697.0, 770.0, 852.0, 941.0)
COL_HZ = (1209.0, 1336.0, 1477.0, 1633.0)
KEYPAD = ("123A", "456B", "789C", "*0#D")
DIGITS = "".join(KEYPAD)


def tones_of(digit: str) -> tuple[float, float]:
    """(low Hz, high Hz) for a DTMF digit; ``ValueError`` for anything else."""
    d = digit.upper()
    for r, row in enumerate(KEYPAD):
        c = row.find(d)
        if c >= 0 and len(d) == 1:
            return ROW_HZ[r], COL_HZ[c]
    raise ValueError(f"{digit!r} is not a DTMF digit (expected one of {DIGITS})")

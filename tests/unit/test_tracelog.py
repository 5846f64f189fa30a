"""A trace written by TraceLog reads back as the same log."""

from firmware.lines.replay import parse_log
from firmware.lines.tracelog import TraceLog


def test_trace_round_trips_through_the_log_parser(tmp_path):
    path = tmp_path / "modem.log"
    trace = TraceLog(path, header="dialect: huawei")
    trace(">", b"AT+CLCC\r")
    trace("<", b'\r\n+CLCC: 1,1,4,0,0,"555')
    trace("<", b'0123",129\r\n\r\nOK\r\n')
    trace("<", b"\r\nRING\r\n")
    trace.close()
    entries = parse_log(path.read_text())
    assert [(e.kind, e.text) for e in entries] == [
        (">", "AT+CLCC"),
        ("<", '+CLCC: 1,1,4,0,0,"5550123",129'),
        ("<", "OK"),
        ("<", "RING"),
    ]
    assert "# dialect: huawei" in path.read_text()

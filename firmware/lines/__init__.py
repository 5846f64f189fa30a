"""Phone lines: one ``LineDriver`` interface, drivers for real hardware behind it."""

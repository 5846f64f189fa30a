"""Modem emulators that speak the real protocols over pseudo-terminals."""

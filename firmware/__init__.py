"""The Hotline appliance: daemon, call engine and command line."""

"""``hotline-mgmt``: the management service's command line."""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import PackageNotFoundError, version


def _version() -> str:
    try:
        return version("hotline")
    except PackageNotFoundError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hotline-mgmt", description=__doc__)
    parser.add_argument("--version", action="version", version=f"hotline-mgmt {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the management service")
    args = parser.parse_args(argv)
    if args.command == "serve":
        print(
            "hotline-mgmt: the management service is not part of this release yet; "
            "see README.md 'What works today'",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

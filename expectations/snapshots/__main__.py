"""``python -m expectations.snapshots [--update | --check]``."""

from __future__ import annotations

import argparse
import sys

from expectations.snapshots import UPDATE_COMMAND, stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m expectations.snapshots", description=__doc__)
    parser.add_argument("--update", action="store_true", help="rewrite the snapshots from the code")
    parser.add_argument("--check", action="store_true", help="exit 1 when a snapshot is stale (default)")
    args = parser.parse_args(argv)
    if args.update:
        for path in write():
            print(path)
        return 0
    bad = stale()
    if bad:
        print(f"stale suite snapshots: {', '.join(bad)}; run: {UPDATE_COMMAND}", file=sys.stderr)
        return 1
    print("suite snapshots are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

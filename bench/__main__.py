"""`make bench`: run every benchmark module in turn; `python -m bench clients` runs only the named
ones. Each module has `main() -> int` (its exit status); the worst status is ours."""

from __future__ import annotations

import importlib
import sys

MODULES = ("booking", "clients", "live", "calendar", "webhooks")


def main(argv: list[str]) -> int:
    names = argv or list(MODULES)
    unknown = [name for name in names if name not in MODULES]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(MODULES)}", file=sys.stderr)
        return 2
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        status = max(status, module.main())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``python -m demo <folder>``: rewrite the demo placeholder photos into ``folder``."""

from __future__ import annotations

import sys
from pathlib import Path

from demo.catalogue import catalogue
from demo.images import write_images


def main(argv: list[str]) -> int:
    """Write the placeholders into the folder given; 2 on a usage error."""
    if len(argv) != 1:
        print("usage: python -m demo <folder>  (e.g. web/static/demo)", file=sys.stderr)
        return 2
    print(f"wrote {write_images(Path(argv[0]), catalogue().providers)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

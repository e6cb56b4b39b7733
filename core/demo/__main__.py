"""``python -m core.demo <folder>``: rewrite the demo placeholder photos into ``folder``."""

from __future__ import annotations

import sys
from pathlib import Path

from core.demo.data import PROVIDERS
from core.demo.images import write_images


def main(argv: list[str]) -> int:
    """Write the placeholders into the folder given; 2 on a usage error."""
    if len(argv) != 1:
        print("usage: python -m core.demo <folder>  (e.g. web/static/demo)", file=sys.stderr)
        return 2
    print(f"wrote {write_images(Path(argv[0]), PROVIDERS)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Compile the .po catalogs into .mo files (run by `make`; .mo files are never committed)."""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALES_DIR = Path(__file__).parent / "locales"


def compile_catalogs(root: Path = LOCALES_DIR) -> list[Path]:
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as f:
            catalog = read_po(f)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as f:
            write_mo(f, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


def main() -> None:
    paths = compile_catalogs()
    print(f"compiled {len(paths)} catalogs", file=sys.stderr)


if __name__ == "__main__":
    main()

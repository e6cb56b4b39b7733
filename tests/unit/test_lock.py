"""requirements.lock agrees with pyproject.toml, pins every package with hashes, and is what
the venv holds. When one of these fails: `make lock`, then commit both files (README)."""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LOCK = ROOT / "requirements.lock"
PROJECT = "mounasabet"
DIRECT = f"{PROJECT} (pyproject.toml)"


@dataclass
class Pin:
    version: str
    hashes: list[str] = field(default_factory=list)
    via: set[str] = field(default_factory=set)


def parse_lock(text: str) -> dict[str, Pin]:
    """pip-compile's output: `name==version \\`, `--hash=…` lines, then `# via` comments."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if match := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", raw):
            current = pins[str(canonicalize_name(match[1]))] = Pin(match[2])
        elif current is not None and line.startswith("--hash="):
            current.hashes.append(line.removeprefix("--hash=").rstrip(" \\"))
        elif current is not None and line.startswith("#"):
            via = line.lstrip("#").strip().removeprefix("via").strip()
            if via:
                current.via.add(via)
    return pins


def project_requirements(pyproject: dict[str, object]) -> list[Requirement]:
    project = pyproject["project"]
    assert isinstance(project, dict)
    texts = list(project["dependencies"]) + list(project["optional-dependencies"]["dev"])
    return [Requirement(text) for text in texts]


def disagreements(pyproject: dict[str, object], pins: dict[str, Pin]) -> list[str]:
    """Each direct requirement pinned inside its range, and nothing pinned as direct that
    pyproject.toml no longer asks for."""
    found = []
    wanted = {str(canonicalize_name(r.name)): r for r in project_requirements(pyproject)}
    for name, requirement in wanted.items():
        pin = pins.get(name)
        if pin is None:
            found.append(f"{name}: in pyproject.toml, not in the lock")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            found.append(f"{name}: lock pins {pin.version}, pyproject.toml asks {requirement}")
    for name, pin in pins.items():
        if DIRECT in pin.via and name not in wanted:
            found.append(f"{name}: pinned as a direct dependency, gone from pyproject.toml")
    return found


@pytest.fixture(scope="module")
def pins() -> dict[str, Pin]:
    return parse_lock(LOCK.read_text(encoding="utf-8"))


def test_the_lock_agrees_with_pyproject(pins: dict[str, Pin]) -> None:
    pyproject = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert disagreements(pyproject, pins) == [], "run `make lock` and commit requirements.lock"


def test_every_package_is_pinned_with_its_hashes(pins: dict[str, Pin]) -> None:
    assert len(pins) > 50
    assert [name for name, pin in pins.items() if not pin.hashes] == []
    assert {"pip", "setuptools"} <= pins.keys(), "the build tools are pinned too (--allow-unsafe)"


def test_a_changed_range_or_a_removed_dependency_is_a_disagreement() -> None:
    lock = parse_lock(
        "aiogram==3.31.0 \\\n    --hash=sha256:aa\n    # via mounasabet (pyproject.toml)\n"
        "stripe==16.1.0 \\\n    --hash=sha256:bb\n    # via\n    #   mounasabet (pyproject.toml)\n"
        "    #   other\n"
        "magic-filter==1.0.12 \\\n    --hash=sha256:cc\n    # via aiogram\n"
    )
    project = {"dependencies": ["aiogram>=3.32"], "optional-dependencies": {"dev": []}}

    found = disagreements({"project": project}, lock)

    assert found == [
        "aiogram: lock pins 3.31.0, pyproject.toml asks aiogram>=3.32",
        "stripe: pinned as a direct dependency, gone from pyproject.toml",
    ]
    assert lock["stripe"].via == {DIRECT, "other"}


@pytest.mark.skipif(sys.prefix == sys.base_prefix, reason="runs inside the project's venv")
def test_the_venv_holds_exactly_what_the_lock_pins(pins: dict[str, Pin]) -> None:
    installed = {
        str(canonicalize_name(dist.metadata["Name"])): dist.version
        for dist in metadata.distributions()
    }
    installed.pop(PROJECT, None)
    locked = {name: pin.version for name, pin in pins.items()}
    assert installed == locked, "the venv differs from the lock: `make venv` (or `make clean venv`)"

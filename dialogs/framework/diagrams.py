"""Each flow's Mermaid diagram is its declared transition table.

The diagram beside a flow is what a reader trusts, so the engine holds the code to it: a
step that moves somewhere its diagram shows no arrow to raises an `UndeclaredTransition`
warning. The test run turns warnings into errors (pytest.ini), so a diagram that falls
behind the code fails the tests that walk that path; in production it is only logged.
Arrows name a step of a flow drawn in the same file, or else the other flow's name.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dialogs.framework.flow import Flow, Go

ARROW = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\w+)", re.MULTILINE)


class UndeclaredTransition(UserWarning):
    """A step went where its flow's diagram draws no arrow."""


@lru_cache(maxsize=64)
def arrows(path: Path) -> frozenset[tuple[str, str]]:
    """(source, target) of every arrow; `[*]` stands for an entry from outside."""
    return frozenset(ARROW.findall(path.read_text(encoding="utf-8")))


def target_node(flows: dict[str, Flow], origin: Flow, to: Go) -> str:
    """The node an arrow to ``to`` points at in ``origin``'s diagram."""
    name = to.flow or origin.name
    target = flows.get(name)
    drawn_here = target is not None and target.diagram == origin.diagram
    return to.step if drawn_here else name


def check_arrow(flows: dict[str, Flow], origin: Flow, step: str, to: Go) -> None:
    if origin.diagram is None:
        return
    node = target_node(flows, origin, to)
    if (step, node) not in arrows(origin.diagram):
        warnings.warn(
            f"{origin.name}:{step} went to {node}, an arrow {origin.diagram.name} does not draw",
            UndeclaredTransition,
            stacklevel=3,
        )

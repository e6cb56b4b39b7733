"""Each flow's Mermaid diagram names exactly the steps its table has."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogs.client.app import CLIENT_APP
from dialogs.framework.flow import Flow
from dialogs.provider.app import PROVIDER_APP

FLOWS_DIR = Path(__file__).parents[2] / "dialogs" / "flows"
NODE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\w+)", re.MULTILINE)
# Targets that name another flow rather than a step of this one.
OTHER_FLOWS = {"discover", "book", "mybookings", "support", "menu"}

CASES = [
    (FLOWS_DIR / "menu.mmd", [CLIENT_APP.flows["menu"], CLIENT_APP.flows["language"]]),
    (FLOWS_DIR / "discover.mmd", [CLIENT_APP.flows["discover"]]),
    (FLOWS_DIR / "book.mmd", [CLIENT_APP.flows["book"]]),
    (FLOWS_DIR / "mybookings.mmd", [CLIENT_APP.flows["mybookings"]]),
    (FLOWS_DIR / "support.mmd", [CLIENT_APP.flows["support"]]),
    (
        FLOWS_DIR.parent / "provider_flows.mmd",
        [
            PROVIDER_APP.flows["phome"],
            PROVIDER_APP.flows["decline"],
            PROVIDER_APP.flows["language"],
        ],
    ),
]


def diagram_nodes(path: Path) -> set[str]:
    nodes: set[str] = set()
    for source, target in NODE.findall(path.read_text(encoding="utf-8")):
        nodes.update({source, target})
    return nodes - {"[*]"}


@pytest.mark.parametrize(("path", "flows"), CASES, ids=[c[0].stem for c in CASES])
def test_diagram_matches_step_table(path: Path, flows: list[Flow]) -> None:
    steps = {name for flow in flows for name in flow.steps}
    nodes = diagram_nodes(path) - (OTHER_FLOWS - steps)
    assert nodes == steps, (
        f"{path.name}: only in diagram {nodes - steps}, only in code {steps - nodes}"
    )


def test_every_flow_has_a_diagram() -> None:
    covered = {flow.name for _, flows in CASES for flow in flows}
    assert covered == set(CLIENT_APP.flows) | set(PROVIDER_APP.flows)

"""Each flow's Mermaid diagram names exactly the steps its table has, and draws every move
its steps make: the engine warns of a move without an arrow (dialogs/framework/diagrams.py),
and the test run makes that warning an error, so every journey the tests walk checks it."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from dialogs.client.app import CLIENT_APP
from dialogs.framework.diagrams import UndeclaredTransition, check_arrow
from dialogs.framework.engine import DialogApp
from dialogs.framework.flow import Flow, Go
from dialogs.provider.app import PROVIDER_APP

DIALOGS_DIR = Path(__file__).parents[2] / "dialogs"
CLIENT_DIR = DIALOGS_DIR / "client"
NODE = re.compile(r"^\s*(\[\*\]|\w+)\s*-->\s*(\w+)", re.MULTILINE)
# Targets that name another flow rather than a step of this one.
OTHER_FLOWS = {"discover", "book", "mybookings", "support", "menu", "phome", "decline"}
OTHER_FLOWS |= {"psvc", "pavail", "pcal", "onboard", "pprofile"}  # the provider bot's
OTHER_FLOWS |= {"language"}  # the provider bot's Language is the client's (menu.mmd)

CASES = [
    (CLIENT_DIR / "menu.mmd", [CLIENT_APP.flows["menu"], CLIENT_APP.flows["language"]]),
    (CLIENT_DIR / "discover.mmd", [CLIENT_APP.flows["discover"]]),
    (CLIENT_DIR / "book.mmd", [CLIENT_APP.flows["book"]]),
    (CLIENT_DIR / "mybookings.mmd", [CLIENT_APP.flows["mybookings"]]),
    (DIALOGS_DIR / "shared" / "support.mmd", [CLIENT_APP.flows["support"]]),
    (CLIENT_DIR / "review.mmd", [CLIENT_APP.flows["review"]]),
    (CLIENT_DIR / "refusal.mmd", [CLIENT_APP.flows["refusal"]]),
    (DIALOGS_DIR / "provider" / "review_reply.mmd", [PROVIDER_APP.flows["review_reply"]]),
    (
        DIALOGS_DIR / "provider" / "flows.mmd",
        [
            PROVIDER_APP.flows["phome"],
            PROVIDER_APP.flows["decline"],
        ],
    ),
    (DIALOGS_DIR / "provider" / "services.mmd", [PROVIDER_APP.flows["psvc"]]),
    (DIALOGS_DIR / "provider" / "availability.mmd", [PROVIDER_APP.flows["pavail"]]),
    (DIALOGS_DIR / "provider" / "calendar.mmd", [PROVIDER_APP.flows["pcal"]]),
    (
        DIALOGS_DIR / "provider" / "dashboard.mmd",
        [PROVIDER_APP.flows[name] for name in ("pdash", "ppropose", "pdeliver")],
    ),
    (DIALOGS_DIR / "provider" / "onboarding.mmd", [PROVIDER_APP.flows["onboard"]]),
    (DIALOGS_DIR / "provider" / "profile_editor.mmd", [PROVIDER_APP.flows["pprofile"]]),
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


def test_a_move_its_diagram_does_not_draw_is_flagged(tmp_path: Path) -> None:
    """The engine holds every step's move to the arrows of its flow's diagram."""
    drawing = tmp_path / "toy.mmd"
    drawing.write_text("stateDiagram-v2\n    [*] --> ask\n    ask --> done : yes\n")
    other = tmp_path / "other.mmd"
    other.write_text("stateDiagram-v2\n    [*] --> main\n")
    toy = Flow("toy", "ask", {}, diagram=drawing)
    flows = {"toy": toy, "menu": Flow("menu", "main", {}, diagram=other)}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_arrow(flows, toy, "ask", Go("done"))  # drawn: nothing to say
    with pytest.warns(UndeclaredTransition, match="toy:ask went to back"):
        check_arrow(flows, toy, "ask", Go("back"))
    with pytest.warns(UndeclaredTransition, match="toy:ask went to menu"):
        check_arrow(flows, toy, "ask", Go("main", "menu"))  # another file: the flow's name


@pytest.mark.parametrize("app", [CLIENT_APP, PROVIDER_APP], ids=["client", "provider"])
def test_every_flow_names_its_diagram(app: DialogApp) -> None:
    assert {name: flow.diagram is not None for name, flow in app.flows.items()} == {
        name: True for name in app.flows
    }

"""No import circle between our modules (imports under ``TYPE_CHECKING`` aside).

A circle makes the import order decide what works: the one this pins was
``bots.delivery -> bots.web_app -> bots.worker -> bots.delivery``, hidden by an import
inside a function. Imports inside functions count here too.
"""

from __future__ import annotations

import grimp

# As import-linter's root_packages in pyproject.toml.
PACKAGES = ("core", "dialogs", "payments", "bots", "admin_cli", "web", "demo")


def circles(graph: grimp.ImportGraph) -> list[tuple[str, ...]]:
    """For each import that closes a circle, the circle: that import, then the way back."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is not None:
                found.append((importer, *back))
    return found


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    assert circles(graph) == []


def test_a_circle_is_found_and_shown() -> None:
    graph = grimp.ImportGraph()
    for module in ("a", "a.x", "a.y", "a.z", "a.free"):
        graph.add_module(module)
    for importer, imported in (("a.x", "a.y"), ("a.y", "a.z"), ("a.z", "a.x"), ("a.x", "a.free")):
        graph.add_import(importer=importer, imported=imported)
    assert ("a.x", "a.y", "a.z", "a.x") in circles(graph)
    assert all("a.free" not in circle for circle in circles(graph))

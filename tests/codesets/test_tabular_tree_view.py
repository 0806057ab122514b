"""The on-demand view of the ICD-10-CM hierarchy answers exactly as the whole tree loaded in
memory, over every node of the bundled FY2026 tabular (the diagnosis coder reads the view, so
a cold start does not load the tree)."""

from __future__ import annotations

import pytest

from medcoder.codesets.icd10cm.reader import TabularReader
from medcoder.codesets.kb import KnowledgeBase


@pytest.fixture
def readers(tabular_kb: KnowledgeBase) -> tuple[TabularReader, TabularReader]:
    """Two readers over the same table: one that loads the tree, one that never does."""
    path = tabular_kb.open("icd10cm-tabular", "2026-05-01").reader.path
    return TabularReader(path), TabularReader(path)


def test_view_answers_as_the_loaded_tree_for_every_node(readers: tuple[TabularReader, TabularReader]) -> None:
    full, lazy = readers
    tree = full._tree
    view = lazy.tree_view()
    assert view is not tree and lazy._loaded() is None
    for code in tree.nodes:
        assert view.nodes.get(code) == tree.nodes[code]
        assert (code in view.nodes) is True
        assert view.kids.get(code) == tree.kids.get(code), code
        assert (code in view.kids) == (code in tree.kids), code
        assert view.seventh.get(code, []) == tree.seventh.get(code, []), code
    assert lazy._loaded() is None  # the view never loaded the whole tree


def test_view_misses_like_the_tree(readers: tuple[TabularReader, TabularReader]) -> None:
    full, lazy = readers
    tree, view = full._tree, lazy.tree_view()
    # lookups are by the exact code, as in the tree: no normalisation of "s52.5" or "E1122"
    for code in ("s52.5", "E1122", "S52.5Z", "Q99.99", ""):
        assert view.nodes.get(code) is tree.nodes.get(code) is None
        assert code not in view.nodes and code not in view.kids
        assert view.kids.get(code) is tree.kids.get(code) is None
        with pytest.raises(KeyError):
            view.nodes[code]
        with pytest.raises(KeyError):
            view.kids[code]
    assert view.kids["S52.5"] == tree.kids["S52.5"]
    assert view.seventh.get("E11.22") is None  # defines no 7th characters


def test_view_is_the_tree_once_loaded(readers: tuple[TabularReader, TabularReader]) -> None:
    full, _ = readers
    tree = full._tree
    assert full.tree_view() is tree


def test_notes_are_read_once_and_the_list_is_the_callers(readers: tuple[TabularReader, TabularReader]) -> None:
    _, tab = readers
    first = tab.notes("E11.22")
    assert any(n.type == "useAdditionalCode" for n in first)
    first.clear()
    again = tab.notes("e1122")
    assert again and again == tab.notes("E11.22")
    assert tab.notes("E11.22", inherited=False) == [n for n in again if not n.inherited]

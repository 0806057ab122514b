"""Query the ICD-10-CM tabular table: codes, hierarchy, inherited notes, 7th characters, validity."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo

NOTE_LABELS = {
    "inclusionTerm": "Inclusion term",
    "includes": "Includes",
    "excludes1": "Excludes1",
    "excludes2": "Excludes2",
    "codeFirst": "Code first",
    "useAdditionalCode": "Use additional code",
    "codeAlso": "Code also",
    "notes": "Note",
    "sevenChrNote": "7th character note",
}
# Notes that apply to every code below the level where they are printed (ICD-10-CM
# Official Guidelines I.A.12-I.A.13: instructional notes at a category apply to all its codes;
# chapter and block notes apply to the whole chapter/block). Inclusion terms only describe
# the code they are listed under.
INHERITED = frozenset(NOTE_LABELS) - {"inclusionTerm"}

STOPWORDS = frozenset({"of", "the", "and", "a", "an", "in", "on", "to", "for", "nos"})
# Words coders type that the Tabular spells otherwise (lookup only; the diagnosis coder has
# its own, larger lexicon).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "distal": ("lower end",),
    "proximal": ("upper end",),
    "ckd": ("chronic kidney disease",),
    "htn": ("hypertension", "hypertensive"),
    "dm": ("diabetes",),
    "t2dm": ("type 2 diabetes",),
    "chf": ("heart failure",),
    "copd": ("chronic obstructive pulmonary disease",),
    "afib": ("atrial fibrillation",),
    "uti": ("urinary tract infection",),
    "mi": ("myocardial infarction",),
    "left": ("left",),
    "right": ("right",),
}


def _has_word(text: str, term: str) -> bool:
    if " " in term:
        return term in text
    return re.search(r"\b" + re.escape(term[:5] if len(term) > 5 else term), text) is not None


_CODE_RE = re.compile(r"^([A-Z][0-9A-Z][0-9A-Z])\.?([0-9A-Z]{0,4})$")


def normalize(code: str) -> str:
    """``e1122`` → ``E11.22``; ``W19XXXA`` → ``W19.XXXA``; leaves blocks/chapters alone."""
    c = code.strip().upper().replace(" ", "")
    m = _CODE_RE.match(c)
    if not m:
        return c
    head, tail = m.groups()
    return f"{head}.{tail}" if tail else head


@dataclass(frozen=True)
class Note:
    type: str
    label: str
    text: str
    source: str  # the node that prints it
    source_kind: str  # chapter | block | category | subcategory | code
    inherited: bool


@dataclass(frozen=True)
class Node:
    code: str
    kind: str
    title: str
    parent: str | None
    depth: int
    chapter: str | None
    block: str | None
    billable: bool
    seventh_from: str | None


@dataclass
class Validation:
    """The answer to "may I report this code on this date?"."""

    code: str  # as normalised
    valid: bool
    reason: str | None = None
    kind: str | None = None  # what the code is in the table (category, code, …) or None if unknown
    title: str | None = None
    children: list[str] = field(default_factory=list)  # valid codes one level down (headers)
    seventh_characters: list[tuple[str, str]] = field(default_factory=list)
    suggestion: str | None = None  # e.g. the placeholder-X form
    replacements: list[str] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    release: str | None = None
    notice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _node(row: tuple[Any, ...]) -> Node:
    return Node(
        code=row[0], kind=row[1], title=row[2], parent=row[3], depth=row[4], chapter=row[5],
        block=row[6], billable=bool(row[7]), seventh_from=row[8],
    )


@dataclass
class _Tree:
    nodes: dict[str, Node] = field(default_factory=dict)
    kids: dict[str, list[str]] = field(default_factory=dict)
    seventh: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    expanded: dict[str, tuple[str, str]] = field(default_factory=dict)
    by_base: dict[str, list[str]] = field(default_factory=dict)


_NODE_COLUMNS = "code, kind, title, parent, depth, chapter, block, billable, seventh_from"


class _LazyNodes:
    """``_Tree.nodes`` looked up by exact code on demand (``None`` remembered too)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._memo: dict[str, Node | None] = {}

    def get(self, code: str, default: Node | None = None) -> Node | None:
        try:
            hit = self._memo[code]
        except KeyError:
            row = self._db.execute(f"SELECT {_NODE_COLUMNS} FROM nodes WHERE code=?", (code,)).fetchone()
            hit = self._memo[code] = _node(row) if row is not None else None
        return default if hit is None else hit

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and self.get(code) is not None

    def __getitem__(self, code: str) -> Node:
        hit = self.get(code)
        if hit is None:
            raise KeyError(code)
        return hit


class _LazyKids:
    """``_Tree.kids`` on demand: the child codes of a node in Tabular order; absent when none.

    The children of a category, subcategory or code extend its code ("S52" -> "S52.5" ->
    "S52.52"), so they are read through the primary key (a range of codes, then ``parent``
    checked); a chapter's or a block's through a scan of ``parent``."""

    def __init__(self, db: sqlite3.Connection, nodes: _LazyNodes) -> None:
        self._db = db
        self._nodes = nodes
        self._memo: dict[str, list[str]] = {}

    def _read(self, code: str) -> list[str]:
        hit = self._memo.get(code)
        if hit is None:
            n = self._nodes.get(code)
            if n is not None and n.kind in ("category", "subcategory", "code"):
                prefix = code if "." in code else code + "."
                rows = self._db.execute(
                    "SELECT code FROM nodes WHERE code >= ? AND code < ? AND parent = ? ORDER BY ord",
                    (prefix, prefix + "~", code),
                )
            else:
                rows = self._db.execute("SELECT code FROM nodes WHERE parent=? ORDER BY ord", (code,))
            hit = self._memo[code] = [r[0] for r in rows]
        return hit

    def get(self, code: str, default: list[str] | None = None) -> list[str] | None:
        return self._read(code) or default

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and bool(self._read(code))

    def __getitem__(self, code: str) -> list[str]:
        hit = self._read(code)
        if not hit:
            raise KeyError(code)
        return hit


class _LazySeventh:
    """``_Tree.seventh`` on demand: the 7th characters a node defines, in Tabular order."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._memo: dict[str, list[tuple[str, str]]] = {}

    def get(self, code: str, default: list[tuple[str, str]] | None = None) -> list[tuple[str, str]] | None:
        hit = self._memo.get(code)
        if hit is None:
            hit = self._memo[code] = [
                (c, t) for c, t in self._db.execute(
                    "SELECT char, text FROM seventh WHERE node=? ORDER BY rowid", (code,))
            ]
        return hit or default


class TreeView:
    """What the diagnosis completer reads of the hierarchy (``nodes``, ``kids``, ``seventh``,
    each with ``get``, ``[]`` and ``in`` as on ``_Tree``), read on demand: coding one note looks
    at a few dozen nodes, and loading the whole tree costs half a second of a cold start."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.nodes = _LazyNodes(db)
        self.kids = _LazyKids(db, self.nodes)
        self.seventh = _LazySeventh(db)


class TabularReader:
    """Reader for an installed ``icd10cm-tabular`` table folder."""

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.path = Path(path)
        self.info = info
        self._db: sqlite3.Connection | None = None
        self._nodes: dict[str, Node] = {}

    # -- storage ---------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self._db = sqlite3.connect(
                f"file:{self.path / 'table.sqlite'}?mode=ro", uri=True, check_same_thread=False
            )
        return self._db

    @cached_property
    def billable(self) -> frozenset[str]:
        """Every reportable code of the release (7th-character codes expanded)."""
        return frozenset((self.path / "billable.txt").read_text(encoding="ascii").split())

    @cached_property
    def _tree(self) -> _Tree:
        """The whole hierarchy in memory (about 0.2 s, loaded for bulk validation only)."""
        t = _Tree()
        for row in self.db.execute(
            "SELECT code, kind, title, parent, depth, chapter, block, billable, seventh_from "
            "FROM nodes ORDER BY ord"
        ):
            n = _node(row)
            t.nodes[n.code] = n
            if n.parent:
                t.kids.setdefault(n.parent, []).append(n.code)
        for node, char, text in self.db.execute("SELECT node, char, text FROM seventh ORDER BY rowid"):
            t.seventh.setdefault(node, []).append((char, text))
        for code, base, char in self.db.execute("SELECT code, base, char FROM expanded ORDER BY code"):
            t.expanded[code] = (base, char)
            t.by_base.setdefault(base, []).append(code)
        return t

    def _loaded(self) -> _Tree | None:
        return self.__dict__.get("_tree")

    def tree_view(self) -> _Tree | TreeView:
        """The hierarchy for lookups by code: the whole tree when it is already loaded, else a
        view that reads the nodes asked for (same answers, no load)."""
        tree = self._loaded()
        if tree is not None:
            return tree
        view: TreeView | None = self.__dict__.get("_view")
        if view is None:
            view = self.__dict__["_view"] = TreeView(self.db)
        return view

    @property
    def release(self) -> str:
        return self.info.release if self.info else self._meta("release")

    def _meta(self, key: str) -> str:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else ""

    # -- nodes -------------------------------------------------------------------------------
    def node(self, code: str) -> Node | None:
        c = normalize(code)
        tree = self._loaded()
        if tree is not None:
            return tree.nodes.get(c)
        hit = self._nodes.get(c)
        if hit is not None:
            return hit
        row = self.db.execute(
            "SELECT code, kind, title, parent, depth, chapter, block, billable, seventh_from "
            "FROM nodes WHERE code=?",
            (c,),
        ).fetchone()
        if row is None:
            return None
        n = _node(row)
        self._nodes[c] = n
        return n

    def expanded_base(self, code: str) -> tuple[str, str] | None:
        """For a 7th-character code, its base code and the 7th character."""
        tree = self._loaded()
        if tree is not None:
            return tree.expanded.get(normalize(code))
        row = self.db.execute("SELECT base, char FROM expanded WHERE code=?", (normalize(code),)).fetchone()
        return (row[0], row[1]) if row else None

    def exists(self, code: str) -> bool:
        c = normalize(code)
        return c in self.billable or self.node(c) is not None

    def is_billable(self, code: str) -> bool:
        return normalize(code) in self.billable

    def title(self, code: str) -> str | None:
        c = normalize(code)
        n = self.node(c)
        if n is not None:
            return n.title
        exp = self.expanded_base(c)
        if exp is None:
            return None
        base, char = exp
        base_node = self.node(base)
        seventh = dict(self.seventh_characters(base))
        return f"{base_node.title if base_node else base}, {seventh.get(char, char)}"

    def ancestors(self, code: str) -> list[Node]:
        """Nearest first: parent code, …, category, block, chapter."""
        c = normalize(code)
        out: list[Node] = []
        n = self.node(c)
        if n is None:
            exp = self.expanded_base(c)
            if exp is None:
                return out
            n = self.node(exp[0])
            if n is None:
                return out
            out.append(n)
        while n is not None and n.parent:
            n = self.node(n.parent)
            if n is not None:
                out.append(n)
        return out

    def children(self, code: str) -> list[str]:
        c = normalize(code)
        tree = self._loaded()
        if tree is not None:
            return list(tree.kids.get(c) or tree.by_base.get(c, []))
        rows = self.db.execute("SELECT code FROM nodes WHERE parent=? ORDER BY ord", (c,)).fetchall()
        if rows:
            return [r[0] for r in rows]
        return [r[0] for r in self.db.execute("SELECT code FROM expanded WHERE base=? ORDER BY code", (c,))]

    def billable_descendants(self, code: str, limit: int = 50) -> list[str]:
        c = normalize(code)
        out: list[str] = []
        stack = [c]
        while stack and len(out) < limit:
            cur = stack.pop(0)
            kids = self.children(cur)
            for k in kids:
                if k in self.billable:
                    out.append(k)
                else:
                    stack.append(k)
        return out[:limit]

    # -- notes -------------------------------------------------------------------------------
    def _node_notes(self, node: str) -> list[tuple[str, str]]:
        """The notes printed at one node, read once (the claim scrubber asks for the same
        chapters and categories over and over)."""
        cache: dict[str, list[tuple[str, str]]] = self.__dict__.setdefault("_notes_cache", {})
        hit = cache.get(node)
        if hit is None:
            hit = [(t, x) for t, x in self.db.execute("SELECT type, text FROM notes WHERE node=? ORDER BY ord", (node,))]
            cache[node] = hit
        return hit

    def notes(self, code: str, *, inherited: bool = True) -> list[Note]:
        """Notes printed at the code itself, then (when ``inherited``) those of its ancestors."""
        c = normalize(code)
        memo: dict[tuple[str, bool], list[Note]] = self.__dict__.setdefault("_notes_memo", {})
        hit = memo.get((c, inherited))
        if hit is None:
            hit = memo[(c, inherited)] = self._notes(c, inherited)
        return list(hit)  # the notes are frozen; the list is the caller's

    def _notes(self, c: str, inherited: bool) -> list[Note]:
        own = self.node(c)
        chain: list[Node] = ([own] if own is not None else []) + self.ancestors(c)
        out: list[Note] = []
        for i, n in enumerate(chain):
            is_inherited = i > 0 or own is None
            if is_inherited and not inherited:
                break
            for typ, text in self._node_notes(n.code):
                if is_inherited and typ not in INHERITED:
                    continue
                out.append(Note(typ, NOTE_LABELS.get(typ, typ), text, n.code, n.kind, is_inherited))
        return out

    def seventh_characters(self, code: str) -> list[tuple[str, str]]:
        """The 7th characters that apply to ``code`` (empty when none apply)."""
        c = normalize(code)
        n = self.node(c)
        if n is None:
            exp = self.expanded_base(c)
            n = self.node(exp[0]) if exp else None
        if n is None or n.seventh_from is None:
            return []
        tree = self._loaded()
        if tree is not None:
            chars = list(tree.seventh.get(n.seventh_from, []))
            allowed = {tree.expanded[x][1] for x in tree.by_base.get(n.code, [])}
        else:
            chars = list(self.db.execute(
                "SELECT char, text FROM seventh WHERE node=? ORDER BY rowid", (n.seventh_from,)
            ))
            allowed = {r[0] for r in self.db.execute("SELECT char FROM expanded WHERE base=?", (n.code,))}
        # a leaf lists only the 7th characters its category allows it (S06.-X7: A only)
        return [(ch, t) for ch, t in chars if ch in allowed] if allowed else chars

    # -- validity ----------------------------------------------------------------------------
    def validate(self, code: str) -> Validation:
        """Structural validity in this release (dates and history are applied by the caller)."""
        c = normalize(code)
        if c in self.billable:
            return Validation(code=c, valid=True, kind="code", release=self.release)
        self._tree  # noqa: B018  - explaining an invalid code walks the hierarchy: load it once
        n = self.node(c)
        if n is not None:
            if n.kind in ("chapter", "block"):
                return Validation(
                    code=c, valid=False, kind=n.kind, title=n.title, release=self.release,
                    reason=f"{c} is a {n.kind} ({n.title}), not a code; choose a code within it",
                )
            if n.seventh_from is not None and not self._has_node_children(c):
                chars = self.seventh_characters(c)
                flat = c.replace(".", "")
                pad = flat.ljust(6, "X")
                example = f"{pad[:3]}.{pad[3:]}{chars[0][0]}" if chars else None
                reason = (
                    f"{c} needs a 7th character ({', '.join(ch for ch, _ in chars)})"
                    + (f" with placeholder X: e.g. {example}" if len(flat) < 6 else f": e.g. {example}")
                )
                return Validation(
                    code=c, valid=False, kind=n.kind, title=n.title, reason=reason,
                    seventh_characters=chars, suggestion=example, release=self.release,
                )
            kids = self.children(c)
            return Validation(
                code=c, valid=False, kind=n.kind, title=n.title, children=kids, release=self.release,
                reason=f"{c} is a header ({n.kind}) and needs more characters: choose one of "
                + ", ".join(kids[:12]) + (" …" if len(kids) > 12 else ""),
            )
        return self._invalid_form(c)

    def _invalid_form(self, c: str) -> Validation:
        flat = c.replace(".", "")
        # a 7th character on a code that lacks its placeholder X (W19A → W19.XXXA)
        if 4 <= len(flat) <= 7:
            base_flat, char = flat[:-1], flat[-1]
            base = normalize(base_flat)
            bn = self.node(base)
            if bn is not None and bn.seventh_from is not None and not self._has_node_children(base):
                chars = self.seventh_characters(base)
                pad = base_flat.ljust(6, "X")
                if char in {ch for ch, _ in chars}:
                    fixed = f"{pad[:3]}.{pad[3:]}{char}"
                    return Validation(
                        code=c, valid=False, kind=None, release=self.release, suggestion=fixed,
                        seventh_characters=chars,
                        reason=f"{c} is missing the placeholder X before its 7th character: {fixed}",
                    )
        # a wrong 7th character (S52.521Z)
        if len(flat) == 7:
            base_flat = flat[:6].rstrip("X")
            base = normalize(base_flat)
            bn = self.node(base)
            if bn is not None and bn.seventh_from is not None:
                chars = self.seventh_characters(base)
                return Validation(
                    code=c, valid=False, kind=None, release=self.release, seventh_characters=chars,
                    reason=f"{flat[6]!r} is not a valid 7th character for {base}; valid: "
                    + ", ".join(f"{ch} ({t})" for ch, t in chars),
                )
        # nearest existing ancestor, to help the coder
        probe = flat
        while len(probe) > 3:
            probe = probe[:-1]
            an = self.node(normalize(probe))
            if an is not None:
                return Validation(
                    code=c, valid=False, kind=None, release=self.release,
                    children=self.children(an.code),
                    reason=f"{c} does not exist in ICD-10-CM {self.release}; nearest existing code is "
                    f"{an.code} ({an.title})",
                )
        if not _CODE_RE.match(c):
            reason = f"{c!r} is not shaped like an ICD-10-CM code (a letter, a digit, a digit or letter, then up to 4 more)"
        else:
            reason = f"{c} does not exist in ICD-10-CM {self.release}"
        return Validation(code=c, valid=False, kind=None, release=self.release, reason=reason)

    def _has_node_children(self, code: str) -> bool:
        tree = self._loaded()
        if tree is not None:
            return code in tree.kids
        return self.db.execute("SELECT 1 FROM nodes WHERE parent=? LIMIT 1", (code,)).fetchone() is not None

    # -- search ------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[dict[str, Any]]:
        """Titles and inclusion terms matching the words, best first.

        Ranked by how many of the query's words (or their clinical synonyms) the entry holds,
        then by BM25. Words may come in any order; plurals and stems match (porter stemmer).
        """
        words = [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS]
        if not words:
            return []
        groups = [[w, *SYNONYMS.get(w, ())] for w in words]
        terms = sorted({t for g in groups for t in g})
        query = " OR ".join(f'"{t}"*' if len(t) > 2 and " " not in t else f'"{t}"' for t in terms)
        rows = self.db.execute(
            "SELECT code, field, text, bm25(search) AS score FROM search WHERE search MATCH ? "
            "ORDER BY score LIMIT 2000",
            (query,),
        ).fetchall()
        ranked = []
        for code, fld, matched, score in rows:
            low = matched.lower()
            hits = sum(1 for g in groups if any(_has_word(low, t) for t in g))
            ranked.append((-hits, float(score), 0 if code in self.billable else 1, code, fld, matched))
        ranked.sort()
        seen: dict[str, dict[str, Any]] = {}
        for neg_hits, score, _b, code, fld, matched in ranked:
            if code in seen:
                continue
            seen[code] = {
                "code": code,
                "title": self.title(code),
                "matched": matched,
                "field": fld,
                "billable": code in self.billable,
                "needs_seventh": code not in self.billable
                and (n := self.node(code)) is not None
                and n.seventh_from is not None
                and not self._has_node_children(code),
                "words_matched": -neg_hits,
                "words": len(groups),
                "score": round(-neg_hits - score / 100, 3),
            }
            if len(seen) >= limit:
                break
        return list(seen.values())

    # -- card ----------------------------------------------------------------------------------
    def card(self, code: str) -> dict[str, Any] | None:
        c = normalize(code)
        title = self.title(c)
        if title is None:
            return None
        n = self.node(c)
        exp = self.expanded_base(c) if n is None else None
        ancestors = self.ancestors(c)
        chapter = next((a for a in ancestors if a.kind == "chapter"), n if n and n.kind == "chapter" else None)
        block = next((a for a in ancestors if a.kind == "block"), n if n and n.kind == "block" else None)
        return {
            "system": "ICD-10-CM",
            "code": c,
            "title": title,
            "kind": n.kind if n else "code",
            "billable": c in self.billable,
            "release": self.release,
            "chapter": {"code": chapter.code, "title": chapter.title} if chapter else None,
            "block": {"code": block.code, "title": block.title} if block else None,
            "hierarchy": [{"code": a.code, "kind": a.kind, "title": a.title} for a in reversed(ancestors)],
            "seventh_character": ({"base": exp[0], "char": exp[1]} if exp else None),
            "seventh_characters": [{"char": ch, "meaning": t} for ch, t in self.seventh_characters(c)]
            if (n is not None and n.seventh_from is not None)
            else [],
            "children": self.children(c)[:40] if n is not None else [],
            "notes": [asdict(x) for x in self.notes(c)],
        }

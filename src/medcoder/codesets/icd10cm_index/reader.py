"""Look things up in the ICD-10-CM Alphabetic Index the way a coder does.

One reader serves the four kinds (Index to Diseases and Injuries, External Cause Index,
Table of Drugs and Chemicals, Neoplasm Table)::

    r.main_term("Diabetes")                     # the main term (modifiers and case ignored)
    r.walk(["Diabetes", "type 2", "with", "chronic kidney disease"]).code   # 'E11.22'
    r.walk("Fracture, radius, distal end")      # follows "see Fracture, radius, lower end"
    r.search("fracture distal radius")          # ranked hits for what a coder types
    r.table_row(["Acetaminophen"])              # {'Poisoning Accidental …': 'T39.1X1', …}
    r.card("E11.22")                            # the index entries that lead to a code

The table is opened read-only on first use.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from medcoder.codesets.store import TableInfo
from medcoder.errors import DataError

from .builder import KINDS, TABLE_KINDS
from .model import IndexHit, Term, WalkResult, WalkStep
from .text import (
    ABBREVIATIONS,
    CONNECTIVES,
    FILLER,
    content_stems,
    norm,
    normalize_code,
    stem,
    step_keys,
    strip_parens,
    words,
)

_COLS = (
    "id, parent, level, letter, title, plain, modifiers, code, manif, see, see_also, seecat, "
    "subcat, path, nchild, size, manif_note, warning, main"
)
_MAX_HOPS = 3  # see references followed in one walk (the Index never chains more)
_FILLER_STEMS = frozenset(stem(w) for w in FILLER)
_CONNECTIVE_KEYS = frozenset(norm(c) for c in CONNECTIVES)


@dataclass
class _Trail:
    """A candidate walk from some entry down: what it visited and how well it matched."""

    steps: list[WalkStep] = field(default_factory=list)
    consumed: int = 0
    penalty: int = 0
    followed: list[str] = field(default_factory=list)
    unresolved: str | None = None
    unmatched_at: int | None = None

    def rank(self) -> tuple[int, int, int, int]:
        end = self.steps[-1].term if self.steps else None
        leads = 1 if end is not None and (end.code or end.cells or end.seecat or end.subcat) else 0
        size = self.steps[0].term.size if self.steps else 0
        return (self.consumed, -self.penalty, leads, size)


_Memo = dict[tuple[int, tuple[str, ...], int, int], _Trail]


class IndexReader:
    """Reader of one installed Alphabetic Index table (any of the four kinds)."""

    def __init__(self, path: Path, info: TableInfo | None = None) -> None:
        self.folder = Path(path)
        self.info = info

    # -- opening ---------------------------------------------------------------------------------
    @cached_property
    def _db(self) -> sqlite3.Connection:
        p = self.folder / "table.sqlite"
        if not p.is_file():
            raise DataError("the index table file is missing; re-import it", where=p)
        try:
            con = sqlite3.connect(f"file:{p}?mode=ro", uri=True, check_same_thread=False)
            con.execute("SELECT 1 FROM terms LIMIT 1")
        except sqlite3.DatabaseError as exc:
            raise DataError(
                f"the index table is unreadable ({exc}); re-import it", where=p
            ) from exc
        return con

    @cached_property
    def meta(self) -> dict[str, Any]:
        """What the builder recorded: counts, columns, file, version."""
        return {k: json.loads(v) for k, v in self._db.execute("SELECT key, value FROM meta")}

    @property
    def kind(self) -> str:
        return str(self.meta.get("kind") or (self.info.kind if self.info else "icd10cm-index"))

    @property
    def release(self) -> str | None:
        return self.info.release if self.info else None

    @property
    def is_table(self) -> bool:
        return self.kind in TABLE_KINDS

    @cached_property
    def _columns(self) -> dict[int, str]:
        return {
            int(c): str(n)
            for c, n in self._db.execute("SELECT col, name FROM columns ORDER BY col")
        }

    @cached_property
    def _main_sizes(self) -> dict[int, int]:
        return dict(self._db.execute("SELECT id, size FROM terms WHERE level = 0").fetchall())

    def columns(self) -> list[str]:
        """Column names of a table kind (empty for the two indexes); the first names the rows."""
        return list(self._columns.values())

    def close(self) -> None:
        if "_db" in self.__dict__:
            self._db.close()
            del self.__dict__["_db"]

    # -- entries ---------------------------------------------------------------------------------
    def _make(self, rows: Iterable[tuple[Any, ...]]) -> list[Term]:
        rows = list(rows)
        cells: dict[int, dict[str, str | None]] = {}
        if self.is_table and rows:
            ids = [r[0] for r in rows]
            names = self._columns
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                q = f"SELECT term, col, code FROM cells WHERE term IN ({marks})"
                for term, col, code in self._db.execute(q, chunk):
                    cells.setdefault(term, {})[names.get(col, f"col {col}")] = code
        out = []
        for r in rows:
            row_cells = cells.get(r[0], {})
            if self.is_table and row_cells:
                # every data column, in order, None where the table prints a dash
                row_cells = {n: row_cells.get(n) for c, n in self._columns.items() if c > 1}
            out.append(
                Term(
                    id=r[0],
                    parent_id=r[1],
                    level=r[2],
                    letter=r[3],
                    title=r[4],
                    plain=r[5],
                    modifiers=tuple(json.loads(r[6])),
                    code=r[7],
                    manif=tuple(json.loads(r[8])),
                    see=r[9],
                    see_also=r[10],
                    seecat=r[11],
                    subcat=r[12],
                    path=tuple(json.loads(r[13])),
                    n_children=r[14],
                    size=r[15],
                    manif_note=r[16],
                    warning=r[17],
                    main_id=r[18],
                    cells=row_cells,
                )
            )
        return out

    def _terms_where(self, where: str, args: Sequence[Any] = ()) -> list[Term]:
        return self._make(self._db.execute(f"SELECT {_COLS} FROM terms WHERE {where}", args))

    def term(self, term_id: int) -> Term | None:
        """The entry with this id (ids follow printed order)."""
        found = self._terms_where("id = ?", (term_id,))
        return found[0] if found else None

    def _terms_by_id(self, ids: Sequence[int]) -> dict[int, Term]:
        out: dict[int, Term] = {}
        for start in range(0, len(ids), 500):
            chunk = list(ids[start : start + 500])
            for t in self._terms_where(f"id IN ({','.join('?' * len(chunk))})", chunk):
                out[t.id] = t
        return out

    def main_term(self, name: str) -> Term | None:
        """The main term a coder means by ``name`` (case, modifiers, NEC and plurals ignored).

        ``Diabetes`` finds ``Diabetes, diabetic``; when several main terms answer
        (``Fracture`` → burst, pathological, traumatic …) the exact title wins, then the one
        with the most entries below it.
        """
        found = self._match(0, name)
        if not found:
            return None
        found.sort(key=lambda tt: (tt[1], -tt[0].size, tt[0].id))
        return found[0][0]

    def main_terms(self, prefix: str = "", limit: int = 50) -> list[Term]:
        """Main terms in printed order whose title starts with ``prefix`` (browsing)."""
        return self._terms_where(
            "level = 0 AND plain LIKE ? ORDER BY id LIMIT ?", (prefix.replace("%", "") + "%", limit)
        )

    def children(self, term: Term | int) -> list[Term]:
        """Subterms directly under ``term``, in printed order."""
        tid = term.id if isinstance(term, Term) else term
        return self._terms_where("parent = ? ORDER BY id", (tid,))

    def parent(self, term: Term) -> Term | None:
        return self.term(term.parent_id) if term.parent_id is not None else None

    def path(self, term: Term) -> list[str]:
        """Plain titles from the main term down to ``term``."""
        return list(term.path)

    def ancestors(self, term: Term) -> list[Term]:
        """The entries from the main term down to ``term`` (``term`` included)."""
        out = [term]
        while out[-1].parent_id is not None:
            up = self.term(out[-1].parent_id)
            if up is None:
                break
            out.append(up)
        return out[::-1]

    # -- matching one step -------------------------------------------------------------------
    def _match(self, parent_id: int, text: str) -> list[tuple[Term, int]]:
        keys = [k for k in step_keys(text) if k and k != "~"]
        if not keys:
            return []
        q = (
            "SELECT term, MIN(tier) FROM keys WHERE parent = ? "
            f"AND key IN ({','.join('?' * len(keys))}) "
            "GROUP BY term"
        )
        hits = dict(self._db.execute(q, (parent_id, *keys)).fetchall())
        if not hits:
            return []
        terms = self._terms_by_id(list(hits))
        return [(terms[i], int(t)) for i, t in hits.items() if i in terms]

    def _connectives(self, parent_id: int) -> list[Term]:
        keys = sorted(_CONNECTIVE_KEYS)
        q = (
            f"SELECT DISTINCT term FROM keys WHERE parent = ? AND tier = 0 "
            f"AND key IN ({','.join('?' * len(keys))}) ORDER BY term"
        )
        ids = [r[0] for r in self._db.execute(q, (parent_id, *keys))]
        found = self._terms_by_id(ids)
        return [found[i] for i in ids if i in found]

    # -- walking ---------------------------------------------------------------------------------
    def walk(self, path: Sequence[str] | str) -> WalkResult:
        """Walk a term path the way a coder does and report where it leads.

        ``path`` is the main term then subterms (``["Diabetes", "type 2", "with", "chronic
        kidney disease"]``) or one string with commas (``"Fracture, radius, lower end"``).
        Each step matches a subterm case-insensitively, ignoring nonessential modifiers,
        apostrophes, a trailing NEC/NOS and plurals; a step may also name a main term that
        itself has a comma (``Fracture, traumatic``). A step the entry does not list is looked
        for under its ``with``/``in``/``due to`` subterms. A ``see`` reference is followed
        when the walk cannot go on without it (or ends on it); every ``see also`` met is
        reported. The code, manifestation codes and table cells are those of the entry reached.
        """
        steps = self._steps(path)
        if not steps:
            return WalkResult(query=(), found=False, term=None, code=None, manif=(), trail=())
        memo: _Memo = {}
        best = self._descend(None, steps, 0, 0, memo)
        if best.consumed == 0 and self.kind == "icd10cm-neoplasm":
            # the Neoplasm Table has one main term; a coder names the site directly
            top = self._terms_where("level = 0 ORDER BY id LIMIT 1")
            if top:
                inner = self._descend(top[0], steps, 0, 0, memo)
                if inner.consumed:
                    inner.steps.insert(0, WalkStep(term=top[0], how="connective"))
                    best = inner
        return self._result(steps, best)

    def _steps(self, path: Sequence[str] | str) -> tuple[str, ...]:
        raw = path.split(",") if isinstance(path, str) else list(path)
        return tuple(s for s in (strip_parens(x).strip(" -") for x in raw) if s)

    def _descend(
        self, parent: Term | None, steps: tuple[str, ...], i: int, hops: int, memo: _Memo
    ) -> _Trail:
        """Best trail that consumes ``steps[i:]`` below ``parent`` (the roots when None)."""
        key = (parent.id if parent else 0, steps, i, hops)
        if key not in memo:
            memo[key] = self._descend_uncached(parent, steps, i, hops, memo)
        return memo[key]

    def _descend_uncached(
        self, parent: Term | None, steps: tuple[str, ...], i: int, hops: int, memo: _Memo
    ) -> _Trail:
        if i == len(steps):
            return self._finish(parent, hops, memo)
        pid = parent.id if parent else 0
        options: list[tuple[Term, int, int, Term | None]] = []
        for k in range(min(3, len(steps) - i), 0, -1):
            text = ", ".join(steps[i : i + k])
            for term, tier in self._match(pid, text):
                options.append((term, k, tier, None))
        if parent is not None and not options:
            for conn in self._connectives(parent.id):
                for k in range(min(3, len(steps) - i), 0, -1):
                    for term, tier in self._match(conn.id, ", ".join(steps[i : i + k])):
                        options.append((term, k, tier + 1, conn))
        best: _Trail | None = None
        # longest, closest matches first; stop at a walk that consumes everything cleanly
        options.sort(key=lambda o: (-o[1], o[2], -o[0].size, o[0].id))
        for term, k, tier, via in options:
            if best is not None and best.consumed == len(steps) - i and best.penalty <= tier:
                break
            sub = self._descend(term, steps, i + k, hops, memo)
            lead = [WalkStep(term=via, how="connective")] if via is not None else []
            cand = _Trail(
                steps=[
                    *lead,
                    WalkStep(term=term, how="match", asked=", ".join(steps[i : i + k])),
                    *sub.steps,
                ],
                consumed=k + sub.consumed,
                penalty=tier + sub.penalty,
                followed=sub.followed,
                unresolved=sub.unresolved,
                unmatched_at=sub.unmatched_at,
            )
            if best is None or cand.rank() > best.rank():
                best = cand
        if best is not None:
            return best
        # nothing here answers the step: a see reference on this entry may lead on
        if parent is not None and parent.see and not parent.code and hops < _MAX_HOPS:
            target = self._follow(parent.see, hops + 1, memo)
            if target is not None and target.steps:
                sub = self._descend(target.steps[-1].term, steps, i, hops + 1, memo)
                if sub.consumed:
                    return _Trail(
                        steps=[replace(s, how="see") for s in target.steps] + sub.steps,
                        consumed=sub.consumed,
                        penalty=sub.penalty + 1,
                        followed=[parent.see, *target.followed, *sub.followed],
                        unresolved=sub.unresolved,
                        unmatched_at=sub.unmatched_at,
                    )
        return _Trail(unmatched_at=i)

    def _finish(self, term: Term | None, hops: int, memo: _Memo) -> _Trail:
        """At the end of the steps: follow a see reference the entry carries instead of a code."""
        if term is None or not term.see or term.code or term.cells:
            return _Trail()
        if hops >= _MAX_HOPS:
            return _Trail(unresolved=term.see)
        target = self._follow(term.see, hops + 1, memo)
        if target is None:
            return _Trail(unresolved=term.see)
        return _Trail(
            steps=[replace(s, how="see") for s in target.steps],
            consumed=0,
            penalty=0,
            followed=[term.see, *target.followed],
            unresolved=target.unresolved,
        )

    def _follow(self, see: str, hops: int, memo: _Memo) -> _Trail | None:
        """Walk a see reference (``Fracture, radius, lower end``) from the main terms.

        Placeholder parts such as ``by site``/``by type`` are skipped: the coder's own
        remaining steps supply them. None when the reference leads nowhere in this table.
        """
        parts = [p.strip() for p in see.split(",")]
        real = tuple(
            p for p in (strip_parens(x) for x in parts) if p and not p.lower().startswith("by ")
        )
        if not real:
            return None
        trail = self._descend(None, real, 0, hops, memo)
        if trail.consumed < len(real):
            return None
        return trail

    def _result(self, steps: tuple[str, ...], best: _Trail) -> WalkResult:
        trail = tuple(best.steps)
        end = trail[-1].term if trail else None
        see_also: list[str] = []
        for s in trail:
            if s.term.see_also and s.term.see_also not in see_also:
                see_also.append(s.term.see_also)
        unmatched = steps[best.unmatched_at :] if best.unmatched_at is not None else ()
        if not trail:
            unmatched = steps
        return WalkResult(
            query=steps,
            found=best.consumed == len(steps),
            term=end,
            code=end.code if end else None,
            manif=end.manif if end else (),
            trail=trail,
            followed=tuple(best.followed),
            see_also=tuple(see_also),
            unresolved_see=best.unresolved,
            seecat=end.seecat if end else None,
            subcat=end.subcat if end else None,
            unmatched=tuple(unmatched),
            cells=dict(end.cells) if end else {},
        )

    def table_row(self, path: Sequence[str] | str) -> dict[str, str | None] | None:
        """The cells of a Table of Drugs/Neoplasm Table row, by column name (None for a dash).

        ``table_row(["Acetaminophen"])`` or, in the Neoplasm Table, ``table_row(["lung"])``
        (the main term ``Neoplasm, neoplastic`` may be left out). None when the path does not
        reach a row, or for the two indexes.
        """
        if not self.is_table:
            return None
        res = self.walk(path)
        if not res.found or res.term is None or not res.cells:
            return None
        return dict(res.cells)

    # -- searching -------------------------------------------------------------------------------
    def search(self, text: str, limit: int = 20) -> list[IndexHit]:
        """Entries for the words a coder types (``fracture distal radius``), best first.

        Every entry is indexed with the words of its whole path, so ``diabetes chronic
        kidney disease`` finds ``Diabetes, diabetic > with > chronic kidney disease`` in any
        word order. Words are stemmed (plurals, ``-ic``), connectives such as ``with`` are
        optional, and words of nonessential modifiers count as matches but are never
        missing. The score favours entries whose path holds more of the query words, whose
        main term holds one, that lead to a code, and that add fewest words not asked for.
        """
        q = _query_stems(text)
        if not q or limit <= 0:
            return []
        found: dict[int, tuple[str, str, str, str]] = {}
        for subset in _subsets(q):
            expr = " AND ".join(f'"{t}"' for t in subset)
            rows = self._db.execute(
                "SELECT rowid, main, sub, mods, own FROM fts WHERE fts MATCH ? "
                "ORDER BY bm25(fts, 3.0, 1.0, 0.3) LIMIT 400",
                (expr,),
            ).fetchall()
            for rowid, main, sub, mods, own in rows:
                found.setdefault(rowid, (main, sub, mods, own))
            if len(found) >= limit * 3:
                break
        if not found:
            return []
        terms = self._terms_by_id(list(found))
        wanted_with = "with" in words(text)
        scored: list[tuple[float, int, Term, tuple[str, ...]]] = []
        for rowid, (_main, _sub, mods, _own) in found.items():
            term = terms.get(rowid)
            if term is None:
                continue
            score, matched = _score(term, q, set(mods.split()), wanted_with)
            score += 0.1 * math.log10(1 + self._main_sizes.get(term.main_id, 0))
            scored.append((score, -term.id, term, matched))
        scored.sort(key=lambda s: (s[0], s[1]), reverse=True)
        hits: list[IndexHit] = []
        for score, _neg, term, matched in scored[:limit]:
            see_code: str | None = None
            see_path: tuple[str, ...] = ()
            if term.see and not term.code and not term.cells:
                res = self.walk(list(term.path))
                if res.followed and res.term is not None:
                    see_code = res.code
                    see_path = res.term.path
            hits.append(
                IndexHit(
                    term=term, score=score, matched=matched, see_code=see_code, see_path=see_path
                )
            )
        return hits

    # -- codes -----------------------------------------------------------------------------------
    def entries_for(self, code: str, limit: int = 200) -> list[tuple[Term, str, str]]:
        """Entries that lead to ``code``: (entry, role, code as printed).

        The role is ``code``, ``manifestation`` or, in a table, the column name. A code the
        Index prints shortened (``S52.50-``, ``C56.-``) or without its 7th character
        (``T39.1X1``, ``W06``) counts as leading to the full code; exact entries come first.
        """
        c = normalize_code(code)
        wanted = _code_variants(c)
        q = (
            f"SELECT term, role, code FROM codes WHERE code IN ({','.join('?' * len(wanted))}) "
            "ORDER BY term LIMIT ?"
        )
        rows = self._db.execute(q, (*wanted, limit)).fetchall()
        terms = self._terms_by_id([r[0] for r in rows])
        out: list[tuple[Term, str, str]] = []
        for tid, role, printed in rows:
            t = terms.get(tid)
            if t is None:
                continue
            if role.startswith("cell:"):
                role = self._columns.get(int(role[5:]), role)
            elif role == "manif":
                role = "manifestation"
            out.append((t, role, printed))
        out.sort(key=lambda e: (e[2] != c, -len(e[2]), len(e[0].path), e[0].id))
        return out

    def card(self, code: str) -> dict[str, Any] | None:
        """The index entries that lead to ``code``, for ``medcoder show`` (None when none do)."""
        c = normalize_code(code)
        entries = self.entries_for(c, limit=500)
        if not entries:
            return None
        items = []
        for t, role, printed in entries[:50]:
            item: dict[str, Any] = {"path": list(t.path), "text": t.path_text, "role": role}
            if printed != c:
                item["as_printed"] = printed
            if t.manif and role == "code":
                item["manif"] = list(t.manif)
            if t.code and role == "manifestation":
                item["code_first"] = t.code
            items.append(item)
        card: dict[str, Any] = {
            "system": KINDS.get(self.kind, self.kind),
            "kind": self.kind,
            "code": c,
            "title": entries[0][0].path_text,
            "entries": items,
            "count": len(entries),
        }
        if len(entries) > len(items):
            card["more"] = len(entries) - len(items)
        if self.release:
            card["release"] = self.release
        return card


def _code_variants(c: str) -> list[str]:
    """``S52.501A`` → itself, ``S52.501``, ``S52.50-``, ``S52.5-``, ``S52.-``, ``S52-``…"""
    out = [c]
    bare = c.replace(".", "")
    if len(bare) == 7:  # the Index prints codes without their 7th character
        six = c[:-1]
        out.append(six)
        base = six.rstrip("X").rstrip(".")  # W06.XXX → W06 (placeholder X)
        if base != six:
            out.append(base)
    for k in range(3, len(c)):
        head = c[:k]
        out.append(head + "-")
        if head.endswith("."):
            continue
        if k == 3:
            out.append(head + ".-")
    return list(dict.fromkeys(out))


def _query_stems(text: str) -> tuple[str, ...]:
    """The stems a query asks for: abbreviations spelled out, connectives dropped, at most 8."""
    out: list[str] = []
    for raw in words(text):
        for w in words(ABBREVIATIONS.get(raw, raw)):
            if w in FILLER:
                continue
            s = stem(w)
            if s not in out:
                out.append(s)
    return tuple(out[:8])


def _subsets(q: tuple[str, ...]) -> list[tuple[str, ...]]:
    """All the query words, then every way of leaving one out, then two (short queries)."""
    out = [q]
    n = len(q)
    if n >= 2:
        out += [q[:i] + q[i + 1 :] for i in range(n)]
    if n >= 4:
        out += [
            tuple(w for j, w in enumerate(q) if j not in (a, b))
            for a in range(n)
            for b in range(a + 1, n)
        ]
    return out


@lru_cache(maxsize=32768)
def _title_stems(plain: str) -> tuple[str, ...]:
    return tuple(s for s in content_stems(plain) if s not in _FILLER_STEMS)


@lru_cache(maxsize=8192)
def _main_parts(plain: str) -> tuple[tuple[str, ...], ...]:
    return tuple(_title_stems(p) for p in norm(plain).split(", ") if p)


def _score(
    term: Term, q: tuple[str, ...], mods: set[str], wanted_with: bool
) -> tuple[float, tuple[str, ...]]:
    qs = set(q)
    main_parts = _main_parts(term.path[0])
    main_st = {s for p in main_parts for s in p}
    sub_st: set[str] = set()
    for p in term.path[1:]:
        sub_st.update(_title_stems(p))
    ess = main_st | sub_st
    matched = tuple(t for t in q if t in ess or t in mods)
    # a word of a nonessential modifier answers the query as well as an essential word does;
    # modifiers the coder leaves out are never counted against the entry
    coverage = len(matched) / len(q)
    # words the entry adds that the coder did not ask for
    lead = main_parts[0] if main_parts else ()
    extra_main = 0.0
    for idx, part in enumerate(main_parts):
        missing = [s for s in part if s not in qs]
        if not missing:
            continue
        if idx > 0 and lead and all(s[:4] == lead[0][:4] for s in missing):
            continue  # an alternative form of the lead word: "Diabetes, diabetic"
        extra_main += len(missing) * (1.0 if idx == 0 else 0.5)
    extra_sub = len(sub_st - qs)
    score = 10.0 * coverage
    score += 1.5 if main_st & qs else 0.0
    if term.code or any(term.cells.values()):
        score += 1.0
    elif term.see or term.seecat or term.subcat:
        score += 0.5
    score -= 0.8 * extra_sub + 0.6 * extra_main
    own = set(_title_stems(term.plain))
    if own and own == qs:
        score += 0.5  # the entry is exactly what was asked for ("syndrome" → Syndrome)
    paths = {norm(p) for p in term.path[1:]}
    if wanted_with and "with" in paths:
        score += 0.3
    if "without" in paths and "without" not in qs:
        score -= 0.5
    return score, matched


Reader = IndexReader

"""Rich rendering of code cards, lookups and data status for people."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

_SKIP = {"system", "code", "title", "notes", "hierarchy", "validity", "history", "children",
         "seventh_characters", "notice", "release", "billable", "kind", "chapter", "block",
         "seventh_character", "index_entries"}


def _scalar(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {_scalar(x)}" for k, x in v.items() if x not in (None, "", [], {}))
    if isinstance(v, list | tuple):
        return ", ".join(_scalar(x) for x in v)
    return str(v)


def render_card(console: Console, card: dict[str, Any]) -> None:
    parts: list[Any] = []
    head = Text()
    head.append(f"{card.get('code')}  ", style="bold cyan")
    head.append(str(card.get("title") or "(no title)"), style="bold")
    parts.append(head)
    facts = []
    if "billable" in card:
        facts.append("[green]billable[/]" if card["billable"] else "[yellow]not billable (header)[/]")
    if card.get("kind"):
        facts.append(escape(str(card["kind"])))
    if card.get("release"):
        facts.append(f"release {escape(str(card['release']))}")
    if facts:
        parts.append(Text.from_markup(" · ".join(facts)))
    validity = card.get("validity")
    if validity:
        if validity.get("valid"):
            parts.append(Text.from_markup(f"[green]valid[/] on {validity['date_of_service']}"))
        else:
            parts.append(Text(f"not valid on {validity['date_of_service']}: {validity.get('reason')}", style="red"))
        if validity.get("notice") and validity.get("notice") != card.get("notice"):
            parts.append(Text(f"note: {validity['notice']}", style="yellow"))
    if card.get("notice"):
        parts.append(Text(f"notice: {card['notice']}", style="yellow"))
    if card.get("hierarchy"):
        parts.append(Text("Hierarchy", style="bold underline"))
        for i, h in enumerate(card["hierarchy"]):
            parts.append(Text(f"{'  ' * i}{h['code']}  {h['title']}  ({h['kind']})"))
    if card.get("seventh_characters"):
        parts.append(Text("7th characters", style="bold underline"))
        for s in card["seventh_characters"]:
            parts.append(Text(f"  {s['char']}  {s['meaning']}"))
    if card.get("notes"):
        parts.append(Text("Instructional notes", style="bold underline"))
        t = Table(show_header=True, box=None, pad_edge=False)
        t.add_column("note")
        t.add_column("text", overflow="fold")
        t.add_column("from")
        for n in card["notes"]:
            src = f"{n['source']} ({n['source_kind']})" if n.get("inherited") else "this code"
            t.add_row(n.get("label", n.get("type", "")), n["text"], src)
        parts.append(t)
    if card.get("index_entries"):
        parts.append(Text("Alphabetic Index entries leading here", style="bold underline"))
        for e in card["index_entries"]:
            parts.append(Text(f"  {e['text']}" + (f"  ({e['source']})" if e["source"] != "icd10cm-index" else "")))
    if card.get("children"):
        parts.append(Text("Codes below: " + ", ".join(card["children"][:30]), style="dim"))
    extra = {k: v for k, v in card.items() if k not in _SKIP and v not in (None, "", [], {})}
    if extra:
        t = Table(show_header=False, box=None, pad_edge=False)
        t.add_column(style="bold")
        t.add_column(overflow="fold")
        for k, v in extra.items():
            t.add_row(k.replace("_", " "), _scalar(v))
        parts.append(t)
    if card.get("history"):
        parts.append(Text("History", style="bold underline"))
        for h in card["history"]:
            repl = ", ".join(h.get("replacements") or [])
            parts.append(Text(
                f"  {h.get('effective')}: {h.get('change')}"
                + (f" → {repl}" if repl else "")
                + (f"  {h.get('note')}" if h.get("note") else "")
                + (f"  [{h.get('citation')}]" if h.get("citation") else "")
            ))
    console.print(Panel(Group(*parts), title=str(card.get("system", "")), title_align="left"))


def render_lookup(console: Console, result: dict[str, Any]) -> None:
    for n in result.get("notices", []):
        console.print(Text(f"note: {n}", style="yellow"))
    for w in result.get("walks", []):
        line = f"Index path ({w['source']}): " + " › ".join(w["path"]) + f" → {w.get('code') or '(no code)'}"
        if w.get("manif"):
            line += " [" + ", ".join(w["manif"]) + "]"
        if w.get("followed"):
            line += "   (followed: " + "; ".join(w["followed"]) + ")"
        console.print(Text(line, style="bold"))
        if w.get("see_also"):
            console.print(Text("  see also: " + "; ".join(w["see_also"]), style="dim"))
    if result["index"]:
        t = Table(title=f"Index: {result['query']}", title_justify="left")
        t.add_column("#", justify="right")
        t.add_column("path", overflow="fold")
        t.add_column("code")
        t.add_column("source")
        for i, h in enumerate(result["index"], 1):
            path = h.get("path") or []
            code = h.get("code") or ""
            if h.get("manif"):
                code += " [" + ", ".join(h["manif"]) + "]"
            if h.get("see"):
                code += f" see {h['see']}" + (f" → {h['see_code']}" if h.get("see_code") else "")
            if h.get("cells"):
                code += " " + "; ".join(f"{k}: {v}" for k, v in h["cells"].items() if v)
            t.add_row(str(i), " › ".join(path) if isinstance(path, list) else str(path), code, h["source"])
        console.print(t)
    t = Table(title=f"Tabular: {result['query']}", title_justify="left")
    t.add_column("#", justify="right")
    t.add_column("code")
    t.add_column("title / matched term", overflow="fold")
    t.add_column("billable")
    for i, h in enumerate(result["tabular"], 1):
        title = h["title"] if h["matched"] == h["title"] else f"{h['title']}  (incl. {h['matched']})"
        t.add_row(str(i), h["code"], title, "yes" if h["billable"] else ("add 7th char" if h.get("needs_seventh") else "header"))
    console.print(t)


def render_status(console: Console, st: dict[str, Any]) -> None:
    console.print(f"data dir: {st['data_dir']}")
    t = Table("kind", "release", "effective", "rows", "source", "sha256")
    for r in st["tables"]:
        t.add_row(
            r["kind"], r["release"], f"{r['effective_from']} → {r['effective_to'] or 'open'}",
            f"{r['rows']:,}", r["source"], r["sha256"][:12],
        )
    for r in st["missing"]:
        t.add_row(r["kind"], "[dim]not loaded[/]", "", "", r["how"], "")
    console.print(t)

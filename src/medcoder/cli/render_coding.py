"""Rich rendering of a coding result for people (JSON is ``CodingResult.to_dict()``)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def snippet(text: str, start: int, end: int, width: int = 40) -> Text:
    """The evidence in its sentence, the supporting words highlighted."""
    lo = max(0, start - width)
    hi = min(len(text), end + width)
    pre = text[lo:start].replace("\n", " ")
    mid = text[start:end].replace("\n", " ")
    post = text[end:hi].replace("\n", " ")
    t = Text()
    t.append(("…" if lo > 0 else "") + pre)
    t.append(mid, style="bold yellow")
    t.append(post + ("…" if hi < len(text) else ""))
    return t


def render_result(console: Console, result: Any, *, title: str | None = None) -> None:
    head = title or result.source_name or "note"
    console.rule(
        f"[bold]{head}[/]  ·  {result.setting}  ·  {result.mode}  ·  date of service "
        f"{result.date_of_service.isoformat()}"
    )
    if not result.diagnoses:
        console.print("[dim]no diagnosis codes[/]")
    else:
        t = Table("#", "code", "description", "conf.", "evidence", show_lines=True)
        for d in result.diagnoses:
            ev = Text()
            for i, e in enumerate(d.evidence[:2]):
                if i:
                    ev.append("\n")
                ev.append_text(snippet(result.text, e.start, e.end))
            flags = [k for k, v in d.context.to_dict().items() if v]
            desc = Text(d.description)
            if flags:
                desc.append("\n[" + ", ".join(flags) + "]", style="magenta")
            if d.rationale:
                desc.append("\n" + d.rationale[-1], style="dim")
            t.add_row(str(d.sequence or ""), d.code, desc, f"{d.confidence:.2f}", ev)
        console.print(t)
    procs = getattr(result, "procedures", [])
    if procs:
        t = Table("#", "code", "label", "units", "mod.", "min.", "dx ptr", "evidence", show_lines=True)
        for p in procs:
            ev = Text()
            for i, e in enumerate(p.evidence[:2]):
                if i:
                    ev.append("\n")
                ev.append_text(snippet(result.text, e.start, e.end, 25))
            label = Text(p.description)
            if p.rationale:
                label.append("\n" + p.rationale[0], style="dim")
            t.add_row(
                str(p.sequence or ""), p.code, label, str(p.units or 1), " ".join(p.modifiers),
                "" if p.minutes is None else str(p.minutes),
                ",".join(str(x) for x in p.diagnosis_pointers), ev,
            )
        console.print(t)
    for w in result.warnings:
        console.print(f"[yellow]warning:[/] {w}")
    for q in result.queries:
        console.print(f"[cyan]query ({q.topic})[/]: {q.question}")
        for e in q.indicators[:4]:
            console.print(Text("  indicator: ").append_text(snippet(result.text, e.start, e.end, 25)))
        console.print("  options: " + " / ".join(q.options))


def render_many(console: Console, results: list[tuple[str, Any]]) -> None:
    for name, r in results:
        render_result(console, r, title=name)

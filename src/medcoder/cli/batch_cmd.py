"""``medcoder batch INPUT OUTPUT``: code a folder, JSONL or Parquet of encounters.

A thin layer over ``medcoder.batch.run_batch``: a Rich progress bar with rate and ETA on
stderr (``--no-progress`` hides it), then a summary (``--json``: ``BatchSummary.to_dict``).
Exit status 0 when the job is done, bad rows included (they are counted in the summary and
listed in ``OUTPUT.errors.jsonl``); 2 for an unusable input or output, as every command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer


def batch_cmd(
    input: Annotated[Path, typer.Argument(help="A folder of notes, a .jsonl of encounters, or a .parquet with a text column.")],
    output: Annotated[Path, typer.Argument(help="Results: .jsonl or .parquet (one row per encounter); rerun to resume.")],
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes (1: in this process).")] = 1,
    engine: Annotated[str, typer.Option(help="local (worker processes here) | ray (a Ray cluster; pip install 'medcoder[ray]').")] = "local",
    ray_address: Annotated[str | None, typer.Option("--ray-address", envvar="MEDCODER_RAY_ADDRESS", help="The Ray cluster for --engine ray (default: a local Ray instance).")] = None,
    chunk: Annotated[int, typer.Option(help="Encounters per chunk: sent to a worker, then written and synced.")] = 64,
    setting: Annotated[str | None, typer.Option(help="outpatient | emergency | inpatient | ambulance: replaces each encounter's.")] = None,
    mode: Annotated[str, typer.Option(help="billing | mentions.")] = "billing",
    no_progress: Annotated[bool, typer.Option("--no-progress", help="Hide the progress bar.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON for programs.")] = False,
) -> None:
    """Code many encounters into one JSONL or Parquet file; resumable, bad rows in OUTPUT.errors.jsonl."""
    from medcoder.batch import run_batch
    from medcoder.cli.main import _console, _print_json

    if no_progress:
        summary = run_batch(input, output, workers=workers, chunk=chunk, setting=setting,
                            mode=mode, engine=engine, ray_address=ray_address)
    else:
        with _progress_bar() as bar:
            summary = run_batch(input, output, workers=workers, chunk=chunk, setting=setting,
                                mode=mode, engine=engine, progress=bar,
                                ray_address=ray_address)
    if as_json:
        _print_json(summary.to_dict())
        return
    console = _console()
    from rich.markup import escape

    console.print(
        f"[bold]{escape(summary.output)}[/]: {summary.total} encounters, "
        f"[green]{summary.done} coded[/], {summary.skipped} already done, "
        f"{'[red]' if summary.errors else ''}{summary.errors} errors{'[/]' if summary.errors else ''}"
        f" ({summary.rate:.1f}/s, {summary.seconds:.1f} s, {summary.workers} worker"
        f"{'s' if summary.workers != 1 else ''})"
    )
    if summary.errors:
        console.print(f"  errors listed in {escape(summary.errors_file)}")


class _progress_bar:
    """A Rich progress bar on stderr, called as ``progress(completed, total)``."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed:.1f}/s" if speed else "-/s")

        self._bar = Progress(
            TextColumn("coding"), BarColumn(), MofNCompleteColumn(), RateColumn(),
            TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=False,
        )
        self._task: Any = None

    def __enter__(self) -> _progress_bar:
        self._bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._bar.stop()

    def __call__(self, completed: int, total: int) -> None:
        if self._task is None:
            self._task = self._bar.add_task("coding", total=total)
        self._bar.update(self._task, completed=completed, total=total)


def register(app: typer.Typer, claim_app: typer.Typer) -> None:
    app.command("batch")(batch_cmd)

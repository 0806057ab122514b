"""``medcoder eval codiesp`` and ``medcoder learn``: thin wrappers over medcoder.eval and .learn.

``cli/main.py`` registers them::

    eval_app = typer.Typer(help="Measure medcoder on coded corpora.", no_args_is_help=True)
    app.add_typer(eval_app, name="eval")
    eval_app.command("codiesp")(eval_cmd.eval_codiesp)
    app.command("learn")(eval_cmd.learn)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from medcoder.errors import DataError, InputError

if TYPE_CHECKING:  # pragma: no cover
    from medcoder.eval.codiesp import Predictor, Report
    from medcoder.learn.model import SiteModel

PREDICTORS = ("coder", "site-model", "priors")

DataArg = Annotated[
    Path,
    typer.Argument(help="The CodiEsp folder, holding train/, dev/ (and test/) as the corpus does."),
]
LangOpt = Annotated[str, typer.Option(help="en: the English translation; es: the Spanish text.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for programs.")]


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, default=str) + "\n")


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, stderr=stderr)


def check_not_learned_from(model: SiteModel, data: Path, split: str) -> None:
    """Refuse to score a site model on the very documents it was learned from."""
    prov = model.provenance
    if prov.get("corpus") != "CodiEsp" or prov.get("split") != split:
        return
    if Path(str(prov.get("source", ""))).resolve() == Path(data).resolve():
        raise InputError(
            f"the site model was learned from the {split} split; scoring it on the same documents "
            "measures memory, not learning (learn from train, or pass --no-site-model)"
        )


def choose_predictor(name: str, model: SiteModel | None) -> Predictor:
    from medcoder.eval.codiesp import default_predictor
    from medcoder.learn.baseline import priors_predictor, site_model_predictor

    if name == "coder":
        return default_predictor(model)
    if name not in PREDICTORS:
        raise InputError(f"unknown predictor {name!r}: use one of {', '.join(PREDICTORS)}")
    if model is None:
        raise DataError(f"--predictor {name} needs a site model: run `medcoder learn DATA` first")
    return site_model_predictor(model) if name == "site-model" else priors_predictor(model)


def eval_codiesp(
    data: DataArg,
    split: Annotated[str, typer.Option(help="train, dev or test.")] = "dev",
    lang: LangOpt = "en",
    predictions: Annotated[
        Path | None, typer.Option(help="Write the ranked predictions here as D.tsv and P.tsv.")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="Only the first N documents (by id).")] = None,
    predictor: Annotated[
        str, typer.Option(help="coder (medcoder's coder), site-model (learned phrases alone) or priors.")
    ] = "coder",
    site_model: Annotated[
        bool, typer.Option("--site-model/--no-site-model", help="Use the learned site model, if any.")
    ] = True,
    markdown: Annotated[
        Path | None, typer.Option(help="Also write the report as Markdown to this file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Score medcoder on a CodiEsp split: MAP, precision, recall, F1, and where the codes went."""
    from medcoder.eval.codiesp import evaluate, load_split, write_predictions
    from medcoder.learn.model import SiteModel

    docs = load_split(data, split, lang, limit=limit)
    model = SiteModel.load() if site_model else None
    if model is not None:
        check_not_learned_from(model, data, split)
    predict = choose_predictor(predictor, model)
    name = predictor + (" + site model" if model is not None and predictor == "coder" else "")
    if as_json:
        report = evaluate(docs, predict, name=name, split=split, lang=lang)
    else:
        from rich.progress import Progress

        with Progress(console=_console(stderr=True), transient=True) as bar:
            task = bar.add_task(f"{split}: coding", total=len(docs))
            report = evaluate(docs, predict, name=name, split=split, lang=lang,
                              progress=lambda done, total: bar.update(task, completed=done))
    if predictions is not None:
        paths = write_predictions(predictions, report.preds_d, report.preds_p)
        report.notes.append(f"predictions written to {paths[0]} and {paths[1]}")
    if markdown is not None:
        markdown.parent.mkdir(parents=True, exist_ok=True)
        markdown.write_text(report.to_markdown(), encoding="utf-8")
    if as_json:
        _print_json(report.to_dict())
        return
    render_report(_console(), report)


def render_report(console: Any, report: Report) -> None:
    from rich.table import Table

    console.print(
        f"[bold]CodiEsp {report.split}[/] ({report.lang}), {report.predictor}: {report.docs} documents "
        f"in {report.seconds:.1f} s" + (f", [red]{len(report.failures)} failed[/]" if report.failures else "")
    )
    if not report.has_gold:
        console.print("no gold: the split has no D/P files, nothing is scored")
    else:
        t = Table("sub-task", "level", "MAP", "MAP all docs", "P", "R", "F1", "TP", "predicted", "gold")
        for task, level, s in report.metric_rows():
            t.add_row(task, level, f"{s.map:.3f}", f"{s.map_all_docs:.3f}", f"{s.precision:.3f}",
                      f"{s.recall:.3f}", f"{s.f1:.3f}", str(s.tp), str(s.predicted), str(s.gold))
        console.print(t)
        for title, a in (("diagnoses", report.analysis_d), ("procedures", report.analysis_p)):
            if a is None:
                continue
            console.print(
                f"{title}: {a.found} found, {a.wrong_specificity} wrong specificity, {a.missed} missed "
                f"of {a.gold}; top missed: "
                + ", ".join(f"{c} ({n})" for c, n in a.top_missed[:8])
            )
    for note in report.notes:
        console.print(f"[dim]{note}[/]")


def learn(
    data: Annotated[
        Path | None,
        typer.Argument(help="The CodiEsp folder (train/, dev/); or give --workbench instead."),
    ] = None,
    workbench: Annotated[
        bool, typer.Option("--workbench", help="Learn from the workbench's coded encounters "
                           "(MEDCODER_DATABASE_URL) instead of a CodiEsp folder.")
    ] = False,
    split: Annotated[str, typer.Option(help="The split to learn from (train; score on dev).")] = "train",
    lang: LangOpt = "en",
    min_support: Annotated[int, typer.Option(help="Documents a phrase-code pair needs.")] = 2,
    min_precision: Annotated[
        float, typer.Option(help="Share of the documents with the phrase where the code was reported.")
    ] = 0.3,
    as_json: JsonOpt = False,
) -> None:
    """Learn phrases, priors and co-occurrence from coded documents into the data dir: a CodiEsp
    folder, or (--workbench) the encounters the workbench's coders completed."""
    if workbench == (data is not None):
        raise InputError("give either a CodiEsp folder or --workbench (one source at a time)",
                         where="medcoder learn")
    if workbench:
        from medcoder.learn.workbench import learn_workbench

        model = learn_workbench(min_support=min_support, min_precision=min_precision)
    else:
        from medcoder.learn.codiesp import learn_codiesp

        assert data is not None
        model = learn_codiesp(data, split, lang, min_support=min_support, min_precision=min_precision)
    path = model.save()
    summary = {**model.summary(), "path": str(path)}
    if as_json:
        _print_json(summary)
        return
    console = _console()
    prov = model.provenance
    console.print(
        f"[green]learned[/] {summary['phrases']:,} phrases for {summary['codes_with_phrases']:,} codes "
        f"and priors for {summary['codes_with_priors']:,} codes from {prov['documents']} "
        f"{prov.get('split', prov.get('corpus', ''))} documents -> {path}"
    )
    from rich.table import Table

    t = Table("phrase", "code", "precision", "support", title="best-supported phrases")
    for p in model.top_phrases(10):
        t.add_row(p.phrase, p.code, f"{p.precision:.2f}", str(p.support))
    console.print(t)

"""Writing the report: the experiment's results and per-question records as the files a person reads to decide
"fine-tune or RAG?": report.md, a self-contained report.html, accuracy.png, loss.png and a plot per study."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ragft.atomic import write_bytes, write_text
from ragft.evaluate.results import RunResults
from ragft.report.content import losses_of
from ragft.report.document import ACCURACY_PNG, LOSS_PNG
from ragft.report.html import render_html
from ragft.report.markdown import render_markdown
from ragft.report.plots import accuracy_png, loss_png
from ragft.report.studies import study_pngs


@dataclass(frozen=True)
class Charts:
    accuracy: bytes
    loss: bytes | None
    studies: dict[str, bytes]  # {file name: PNG}


def draw_charts(results: RunResults) -> Charts:
    """Every plot of the report (the slow part of rendering): drawn before the timings are final."""
    return Charts(accuracy_png(results), loss_png(losses_of(results.finetune)), study_pngs(results))


def write_reports(results: RunResults, records: list[dict], out_dir: Path, charts: Charts) -> list[Path]:
    """Write out_dir/report.md, report.html and the PNGs (each atomically) and return the first three paths."""
    out_dir = Path(out_dir)
    md_path, html_path, png_path = out_dir / "report.md", out_dir / "report.html", out_dir / ACCURACY_PNG
    write_bytes(png_path, charts.accuracy)
    if charts.loss:
        write_bytes(out_dir / LOSS_PNG, charts.loss)
    for name, png in charts.studies.items():
        write_bytes(out_dir / name, png)
    write_text(md_path, render_markdown(results, records))
    write_text(html_path, render_html(results, records, charts.accuracy, charts.loss, charts.studies))
    return [md_path, html_path, png_path]


def render_reports(results: RunResults, records: list[dict], out_dir: Path) -> list[Path]:
    """Draw the charts and write every report file."""
    return write_reports(results, records, out_dir, draw_charts(results))

"""The report stage: turn the experiment's results and per-question records into the files a person reads to decide
"fine-tune or RAG?": report.md, a self-contained report.html, and accuracy.png."""

from __future__ import annotations

from pathlib import Path

from ragft.atomic import write_bytes, write_text

__all__ = ["render_reports"]


def render_reports(results: dict, records: list[dict], out_dir: Path) -> list[Path]:
    """Write out_dir/report.md, report.html and accuracy.png (each atomically) and return their paths."""
    from ragft.report.html import render_html
    from ragft.report.markdown import render_markdown
    from ragft.report.plots import accuracy_png, loss_png
    from ragft.report.studies import study_pngs

    out_dir = Path(out_dir)
    chart = accuracy_png(results)
    loss = loss_png((results.get("finetune") or {}).get("losses"))
    md_path, html_path, png_path = out_dir / "report.md", out_dir / "report.html", out_dir / "accuracy.png"
    write_bytes(png_path, chart)
    studies = study_pngs(results)
    for name, png in studies.items():
        write_bytes(out_dir / name, png)
    write_text(md_path, render_markdown(results, records, png_path.name))
    write_text(html_path, render_html(results, records, chart, loss, studies))
    return [md_path, html_path, png_path]

"""The top-level report of a `seeds: N` run: every seed's accuracy per arm (and probe family), mean ± std."""

from __future__ import annotations

from pathlib import Path

from ragft.atomic import write_bytes, write_text
from ragft.evaluate.results import SeedsResults
from ragft.report.document import Bullets, Document, Image, Links, Note, Part, Table
from ragft.report.html import render_document as render_html
from ragft.report.markdown import render_document as render_markdown
from ragft.report.plots import load_pyplot, png_bytes

NOTE = (
    "Each seed is a complete run (its own generated data and training seed; see seed-<i>/report.html). "
    "The spread across seeds is the part of a difference that data and training luck alone produce."
)


def seed_rows(results: SeedsResults) -> tuple[list[str], list[list[str]]]:
    study = results.experiments.seeds
    head = ["arm", "measure", *[f"seed {r.seed}" for r in study.seeds], "mean ± std"]
    rows = []
    for arm, measures in study.arms.items():
        for measure, s in measures.items():
            rows.append(
                [arm, measure, *[f"{100 * v:.1f}%" for v in s.values], f"{100 * s.mean:.1f}% ± {100 * s.std:.1f}"]
            )
    return head, rows


def findings(results: SeedsResults) -> list[str]:
    study = results.experiments.seeds
    out = [f"{len(study.seeds)} seeds (training and data seeds {', '.join(str(r.seed) for r in study.seeds)})."]
    acc = {arm: m["accuracy"] for arm, m in study.arms.items()}
    if acc:
        best = max(acc, key=lambda a: acc[a].mean)
        out.append(
            f"Best on average: {best}, {100 * acc[best].mean:.1f}% ± {100 * acc[best].std:.1f} "
            f"(mean ± sample std over seeds)."
        )
    return out


def seeds_png(results: SeedsResults) -> bytes:
    study = results.experiments.seeds
    plt = load_pyplot()
    arms = list(study.arms)
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(arms) + 2), 3.2))
    for i, arm in enumerate(arms):
        s = study.arms[arm]["accuracy"]
        ax.bar(i, 100 * s.mean, color="#3b75af", width=0.6, alpha=0.6)
        ax.errorbar(i, 100 * s.mean, yerr=100 * s.std, fmt="none", ecolor="black", capsize=4)
        ax.plot([i] * len(s.values), [100 * v for v in s.values], "o", color="black", markersize=3)
    ax.set_xticks(range(len(arms)), arms)
    ax.set_ylim(0, 105)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy per seed (dots), mean ± std (bars)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig, plt)


def seed_document(results: SeedsResults) -> Document:
    head, rows = seed_rows(results)
    links = [(f"{r.run}/report.html", f"seed {r.seed}") for r in results.experiments.seeds.seeds]
    return Document(
        f"ragft report: {results.run_name} (seeds)",
        "",
        [
            Part("Findings", [Bullets(findings(results))]),
            Part("Seeds", [Table(head, rows), Note(NOTE), Image("seeds.png", "Accuracy per seed")]),
            Part("Each seed's report", [Links(links)]),
        ],
    )


def render_seed_reports(results: SeedsResults, out_dir: Path) -> None:
    png = seeds_png(results)
    write_bytes(out_dir / "seeds.png", png)
    doc = seed_document(results)
    write_text(out_dir / "report.md", render_markdown(doc))
    write_text(out_dir / "report.html", render_html(doc, {"seeds.png": png}))

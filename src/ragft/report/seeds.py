"""The top-level report of a `seeds: N` run: every seed's accuracy per arm (and probe family), mean ± std."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from string import Template

from ragft.atomic import write_bytes, write_text
from ragft.report.html import html_table
from ragft.report.markdown import markdown_table
from ragft.report.plots import load_pyplot, png_bytes

NOTE = ("Each seed is a complete run (its own generated data and training seed; see seed-<i>/report.html). "
        "The spread across seeds is the part of a difference that data and training luck alone produce.")


def seed_rows(results: dict) -> tuple[list[str], list[list[str]]]:
    study = results["experiments"]["seeds"]
    runs = study["seeds"]
    head = ["arm", "measure", *[f"seed {r['seed']}" for r in runs], "mean ± std"]
    rows = []
    for arm, measures in study["arms"].items():
        for measure, s in measures.items():
            rows.append([arm, measure, *[f"{100 * v:.1f}%" for v in s["values"]],
                         f"{100 * s['mean']:.1f}% ± {100 * s['std']:.1f}"])
    return head, rows


def findings(results: dict) -> list[str]:
    study = results["experiments"]["seeds"]
    out = [f"{len(study['seeds'])} seeds (training and data seeds "
           f"{', '.join(str(r['seed']) for r in study['seeds'])})."]
    acc = {arm: m["accuracy"] for arm, m in study["arms"].items()}
    if acc:
        best = max(acc, key=lambda a: acc[a]["mean"])
        out.append(f"Best on average: {best}, {100 * acc[best]['mean']:.1f}% ± {100 * acc[best]['std']:.1f} "
                   f"(mean ± sample std over seeds).")
    return out


def seeds_png(results: dict) -> bytes:
    study = results["experiments"]["seeds"]
    plt = load_pyplot()
    arms = list(study["arms"])
    fig, ax = plt.subplots(figsize=(max(5, 1.2 * len(arms) + 2), 3.2))
    for i, arm in enumerate(arms):
        s = study["arms"][arm]["accuracy"]
        ax.bar(i, 100 * s["mean"], color="#3b75af", width=0.6, alpha=0.6)
        ax.errorbar(i, 100 * s["mean"], yerr=100 * s["std"], fmt="none", ecolor="black", capsize=4)
        ax.plot([i] * len(s["values"]), [100 * v for v in s["values"]], "o", color="black", markersize=3)
    ax.set_xticks(range(len(arms)), arms)
    ax.set_ylim(0, 105)
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy per seed (dots), mean ± std (bars)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig, plt)


def render_seed_reports(results: dict, out_dir: Path) -> None:
    import base64
    import html

    head, rows = seed_rows(results)
    png = seeds_png(results)
    write_bytes(out_dir / "seeds.png", png)
    md = [f"# ragft report: {results['run_name']} (seeds)", "", "## Findings", "",
          *[f"- {s}" for s in findings(results)], "", "## Seeds", "", *markdown_table(head, rows),
          "", NOTE, "", "![Accuracy per seed](seeds.png)", ""]
    write_text(out_dir / "report.md", "\n".join(md))
    e = html.escape
    table = html_table(head, rows)
    links = "".join(f'<li><a href="{e(r["run"])}/report.html">seed {r["seed"]}</a></li>'
                    for r in results["experiments"]["seeds"]["seeds"])
    body = (f"<h1>{e(results['run_name'])} (seeds)</h1><h2>Findings</h2><ul>"
            + "".join(f"<li>{e(s)}</li>" for s in findings(results)) + f"</ul><h2>Seeds</h2>{table}"
            f'<p class="note">{e(NOTE)}</p><img alt="Accuracy per seed" src="data:image/png;base64,'
            f'{base64.b64encode(png).decode("ascii")}"><h2>Each seed\'s report</h2><ul>{links}</ul>')
    template = resources.files("ragft.report").joinpath("template.html").read_text(encoding="utf-8")
    write_text(out_dir / "report.html", Template(template).substitute(title=e(results["run_name"]), body=body))

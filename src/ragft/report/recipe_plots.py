"""The recipes study's chart: each document fine-tune's accuracy against its training tokens (closed book filled,
with RAG hollow), Wilson intervals as error bars, RAG and the untouched model as reference lines."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ragft.report.numbers import has
from ragft.report.plots import PALETTE, load_pyplot, study_png

if TYPE_CHECKING:  # the study draws its chart with this function
    from ragft.studies import recipes


def recipes_png(found: recipes.Result | None) -> bytes | None:
    trained = found.recipes if found else {}
    points = {v: r for v, r in trained.items() if r.train_tokens and has(r.closed)}
    if not points:
        return None
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    kinds = list(dict.fromkeys(r.recipe for r in points.values()))
    for v, r in points.items():
        color = PALETTE[kinds.index(r.recipe) % len(PALETTE)]
        for rate, filled in ((r.closed, True), (r.rag, False)):
            if not has(rate):
                continue
            y, (lo, hi) = 100 * rate.value, rate.ci95
            ax.errorbar(
                r.train_tokens,
                y,
                yerr=[[y - 100 * lo], [100 * hi - y]],
                fmt="o",
                color=color,
                mfc=color if filled else "white",
                capsize=3,
                label=f"{v} ({r.recipe}, k={r.k}){'' if filled else ' + rag'}",
            )
    for name, rate, style in (("rag (untouched)", found.rag, "--"), ("base", found.base, ":")):
        if has(rate):
            ax.axhline(100 * rate.value, color="#8c8c8c", linestyle=style, linewidth=1, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training tokens (log)")
    return study_png(fig, ax, plt, "Fine-tuning on the documents: accuracy against training tokens", "accuracy")

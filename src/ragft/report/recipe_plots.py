"""The recipes study's chart: each document fine-tune's accuracy against its training tokens (closed book filled,
with RAG hollow), Wilson intervals as error bars, RAG and the untouched model as reference lines."""

from __future__ import annotations

from ragft.report.numbers import has
from ragft.report.plots import PALETTE, load_pyplot, study_png


def recipes_png(found: dict | None) -> bytes | None:
    recipes = (found or {}).get("recipes") or {}
    points = {v: r for v, r in recipes.items() if r.get("train_tokens") and has(r.get("closed"))}
    if not points:
        return None
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    kinds = list(dict.fromkeys(r["recipe"] for r in points.values()))
    for v, r in points.items():
        color = PALETTE[kinds.index(r["recipe"]) % len(PALETTE)]
        for rate, filled in ((r["closed"], True), (r.get("rag"), False)):
            if not has(rate):
                continue
            y, (lo, hi) = 100 * rate["value"], rate["ci95"]
            ax.errorbar(
                r["train_tokens"],
                y,
                yerr=[[y - 100 * lo], [100 * hi - y]],
                fmt="o",
                color=color,
                mfc=color if filled else "white",
                capsize=3,
                label=f"{v} ({r['recipe']}, k={r['k']}){'' if filled else ' + rag'}",
            )
    for name, rate, style in (("rag (untouched)", found.get("rag"), "--"), ("base", found.get("base"), ":")):
        if has(rate):
            ax.axhline(100 * rate["value"], color="#8c8c8c", linestyle=style, linewidth=1, label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training tokens (log)")
    return study_png(fig, ax, plt, "Fine-tuning on the documents: accuracy against training tokens", "accuracy")

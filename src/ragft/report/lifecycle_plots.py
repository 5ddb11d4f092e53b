"""The lifecycle studies' charts (update, deletion, unknowns, long_context, raft) as PNG bytes, in the frame of
plots.py: rates as percentages with their Wilson intervals, costs (seconds, tokens) in a panel of their own on
the left so the legend of the rates can sit outside the right-hand axes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from ragft.evaluate.results import Rate
from ragft.report.numbers import has, measured, seconds
from ragft.report.plots import PALETTE, grouped_bars, load_pyplot, study_png

if TYPE_CHECKING:  # the studies draw their charts with these functions
    from ragft.studies import deletion, long_context, raft, unknowns, update

_FLAG = "#c44e52"  # sizes that did not fit the window or were skipped


def two_panels(plt, names: int = 4):
    """(figure, cost axes on the left, rate axes on the right)."""
    fig, (cost, rates) = plt.subplots(
        1, 2, figsize=(max(9.0, 1.6 * names + 4), 3.6), gridspec_kw={"width_ratios": [1, 2]}
    )
    return fig, cost, rates


def _seconds_panel(ax, names: list[str], secs: list[float | None], title: str, missing: str = "—") -> None:
    """Seconds per name on a log scale, each bar labelled; names without positive seconds say `missing`."""
    shown = [i for i, s in enumerate(secs) if s]
    if shown:
        ax.bar(shown, [secs[i] for i in shown], color="#8c8c8c", width=0.6)
        ax.set_yscale("log")
        ax.margins(y=0.3)
    for i, s in enumerate(secs):
        if s:
            ax.text(i, s, seconds(s), ha="center", va="bottom", fontsize=7)
        else:
            ax.text(i, 0.02, missing, ha="center", va="bottom", fontsize=7, transform=ax.get_xaxis_transform())
    ax.set_xticks(range(len(names)), names)
    tilt_labels(ax)
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.set_ylabel("seconds (log)")
    ax.set_title(title, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)


def tilt_labels(ax) -> None:
    """Slanted x labels, so long arm names do not run into each other."""
    ax.tick_params(axis="x", labelsize=7, labelrotation=25)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")


def _timed_rates(
    groups: dict[str, BaseModel],
    seconds_of: Callable[[BaseModel], float | None],
    cost_title: str,
    series: dict[str, Callable[[BaseModel], Rate | None]],
    title: str,
    missing: str = "—",
) -> bytes | None:
    """Seconds per group (left) and, per group, a bar for each series: the rate it picks from the group."""
    if not measured(groups):
        return None
    plt = load_pyplot()
    names = list(groups)
    fig, cost, ax = two_panels(plt, len(names))
    _seconds_panel(cost, names, [seconds_of(g) for g in groups.values()], cost_title, missing)
    grouped_bars(ax, names, {label: [pick(g) for g in groups.values()] for label, pick in series.items()})
    tilt_labels(ax)
    return study_png(fig, ax, plt, title, "share of answers")


def update_png(study: update.Result | None) -> bytes | None:
    """Per approach, after its update: new value on changed facts, unchanged facts, old value still stated; and
    the seconds the update took."""
    return _timed_rates(
        study.approaches if study else {},
        lambda a: a.update_seconds,
        "Time to update",
        {
            "changed facts: new value": lambda a: a.after.get("changed"),
            "unchanged facts": lambda a: a.after.get("unchanged"),
            "changed facts: old value (stale)": lambda a: a.after.get("stale"),
        },
        "After the update (95% Wilson interval)",
        "not updated",
    )


def deletion_png(study: deletion.Result | None) -> bytes | None:
    """Per arm: the deleted facts it still states before and after deleting them, accuracy on the facts kept;
    and the seconds the deletion took."""
    return _timed_rates(
        study.arms if study else {},
        lambda a: a.delete_seconds,
        "Time to delete",
        {
            "deleted facts stated: before": lambda a: a.before,
            "deleted facts stated: after": lambda a: a.after,
            "unchanged facts: accuracy after": lambda a: a.kept,
        },
        "Deleting facts (95% Wilson interval)",
    )


def _points(ax, xs: list[float], rates: list[Rate | None], fmt: str, color: str, label: str) -> None:
    """Rates as points (or a line, by `fmt`) with Wilson error bars; unmeasured ones left out."""
    kept = [(x, r) for x, r in zip(xs, rates) if has(r)]
    if not kept:
        return
    ys = [100 * r.value for _, r in kept]
    err = [
        [max(0.0, y - 100 * r.ci95[0]) for y, (_, r) in zip(ys, kept)],
        [max(0.0, 100 * r.ci95[1] - y) for y, (_, r) in zip(ys, kept)],
    ]
    ax.errorbar(
        [x for x, _ in kept],
        ys,
        yerr=err,
        fmt=fmt,
        color=color,
        ecolor=color,
        capsize=3,
        markersize=5,
        linewidth=1.2,
        label=label,
    )


def unknowns_png(study: unknowns.Result | None) -> bytes | None:
    """Per arm: abstained and invented on questions about unknown entities; accuracy on known facts as markers."""
    arms = study.arms if study else {}
    if not any(has(a.invented) for a in arms.values()):
        return None
    plt = load_pyplot()
    names = list(arms)
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 3.6))
    grouped_bars(
        ax,
        names,
        {
            "unknowns: abstained": [a.abstained for a in arms.values()],
            "unknowns: invented": [a.invented for a in arms.values()],
        },
    )
    _points(
        ax,
        list(range(len(names))),
        [a.known_accuracy for a in arms.values()],
        "D",
        "black",
        "known facts: accuracy",
    )
    tilt_labels(ax)
    return study_png(fig, ax, plt, "Questions about what is not in the data", "share of answers")


def _arm_names(sizes: list[long_context.Size]) -> list[str]:
    return list(dict.fromkeys(name for s in sizes for name in s.arms or {}))


def _mark_misfits(axes, sizes: list[long_context.Size]) -> None:
    """A dotted line at every size that did not fit the window (asked with RAG only) or was skipped."""
    for i, s in enumerate(s for s in sizes if s.skipped or s.fits is False):
        for ax in axes:
            ax.axvline(
                s.facts,
                color=_FLAG,
                linestyle=":",
                linewidth=1,
                label="did not fit the window / skipped" if i == 0 else None,
            )


def long_context_png(study: long_context.Result | None) -> bytes | None:
    """Accuracy against the number of facts in the knowledge, per arm (context: all of it in the prompt; rag),
    and prompt tokens and seconds per question beside it."""
    sizes = sorted(study.sizes, key=lambda s: s.facts) if study else []
    ran = [s for s in sizes if s.arms]
    if not ran:
        return None
    plt = load_pyplot()
    fig, cost, ax = two_panels(plt)
    latency = cost.twinx()
    for name, color in zip(_arm_names(ran), PALETTE):
        mine = [s.arms[name] for s in ran if name in s.arms]
        xs = [s.facts for s in ran if name in s.arms]
        _points(ax, xs, [a.accuracy for a in mine], "-o", color, name)
        cost.plot(
            xs,
            [a.mean_prompt_tokens for a in mine],
            "-o",
            color=color,
            markersize=3,
            label=f"{name}: prompt tokens",
        )
        latency.plot(
            xs,
            [a.mean_latency_s for a in mine],
            "--s",
            color=color,
            markersize=3,
            label=f"{name}: seconds",
        )
    _mark_misfits((cost, ax), sizes)
    facts = [s.facts for s in sizes]
    for axes in (cost, ax):
        axes.set_xscale("log")
        axes.set_xticks(facts, [str(f) for f in facts])
        axes.minorticks_off()
        axes.set_xlabel("facts in the knowledge")
    latency.minorticks_off()
    cost.set_ylabel("prompt tokens per question")
    latency.set_ylabel("seconds per question")
    cost.set_ylim(bottom=0)
    latency.set_ylim(bottom=0)
    cost.set_title("Cost per question", fontsize=9)
    handles = [h for a in (cost, latency) for h in a.get_legend_handles_labels()[0]]
    cost.legend(handles=handles, frameon=False, fontsize=6, loc="best")
    window = study.window
    title = "Accuracy as the knowledge grows" + (f" ({window}-token window)" if window else "")
    return study_png(fig, ax, plt, title, "accuracy")


def raft_png(study: raft.Result | None) -> bytes | None:
    """Accuracy with its Wilson interval: the RAFT fine-tune, the plain fine-tune with RAG, the untouched model
    with RAG."""
    arms = study.arms if study else {}
    if not measured(arms):
        return None
    plt = load_pyplot()
    names = list(arms)
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(names) + 2), 3.4))
    grouped_bars(ax, names, {"accuracy": list(arms.values())})
    return study_png(fig, ax, plt, "RAFT against RAG (95% Wilson interval)", "accuracy")

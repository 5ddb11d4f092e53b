"""The report's charts as PNG bytes: a person compares arms at a glance, intervals included so noise is visible.

matplotlib is imported lazily, with the Agg backend, so importing ragft costs nothing and needs no display.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from ragft.evaluate.results import Rate, RunResults
from ragft.report.numbers import arm_kind, has, pct

if TYPE_CHECKING:  # the studies draw their charts with these functions
    from ragft.studies import augmentation, generalization, learning_curve

_COLORS = {(False, False): "#8c8c8c", (True, False): "#3b75af", (False, True): "#e1812c", (True, True): "#7b4ea3"}


def load_pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def png_bytes(fig: Any, plt: Any) -> bytes:
    """Serialize and close (pyplot keeps figures alive otherwise); no Software tag, so bytes are reproducible."""
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110, metadata={"Software": None})
        return buf.getvalue()
    finally:
        plt.close(fig)


def accuracy_png(results: RunResults) -> bytes:
    """One bar per arm (display order), Wilson 95% error bars, labels like '87% (87/100)'; arms with n=0 show '—'."""
    plt = load_pyplot()
    arms = results.arms
    names = list(arms)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for i, name in enumerate(names):
        arm = arms[name]
        n, acc = arm.n, arm.accuracy
        if not n or acc is None:
            ax.text(i, 2, "—", ha="center", va="bottom", fontsize=9)
            continue
        lo, hi = arm.ci95
        y = 100 * acc
        err = [[max(0.0, y - 100 * lo)], [max(0.0, 100 * hi - y)]]
        ax.bar(i, y, color=_COLORS[arm_kind(arm)], width=0.6)
        ax.errorbar(i, y, yerr=err, fmt="none", ecolor="black", capsize=4, linewidth=1)
        ax.text(i, y + err[1][0] + 2, f"{pct(acc)} ({arm.correct}/{n})", ha="center", va="bottom", fontsize=9)
    ax.set_xticks(range(len(names)), names)
    ax.set_xlim(-0.6, max(len(names), 1) - 0.4)
    ax.set_ylim(0, 115)
    ax.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy per arm (95% Wilson interval)")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig, plt)


def loss_png(losses: list[float] | None) -> bytes | None:
    """A small training-loss curve (did fine-tuning converge?); None when there is nothing to draw."""
    if not losses:
        return None
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(5, 2.4))
    ax.plot(range(1, len(losses) + 1), losses, color="#3b75af", linewidth=1.5)
    ax.set_xlabel("logged step")
    ax.set_ylabel("loss")
    ax.set_title("Fine-tuning loss")
    ax.set_ylim(bottom=0)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig, plt)


PALETTE = ("#3b75af", "#e1812c", "#55a868", "#c44e52", "#8172b2")


def study_png(fig, ax, plt, title: str, ylabel: str) -> bytes:
    """The study plots' common frame: 0-100 % axis, title, legend outside the axes, PNG bytes."""
    ax.set_ylim(0, 105)
    ax.set_yticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1, 1))
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return png_bytes(fig, plt)


def _rate_bar(ax, x: float, rate: Rate | None, width: float, color: str, label: str | None = None) -> bool:
    """One bar for a rate with its Wilson interval; nothing (False) where nothing was measured."""
    if not has(rate):
        return False
    y, (lo, hi) = 100 * rate.value, rate.ci95
    ax.bar(x, y, width=width * 0.9, color=color, label=label)
    ax.errorbar(
        x,
        y,
        yerr=[[max(0.0, y - 100 * lo)], [max(0.0, 100 * hi - y)]],
        fmt="none",
        ecolor="black",
        capsize=2,
        linewidth=0.8,
    )
    return True


def grouped_bars(ax, groups: list[str], series: dict[str, list[Rate | None]]) -> None:
    """One group of bars per name in `groups`, one bar per series (its rate for that group), each series labelled
    once for the legend."""
    width = 0.8 / max(len(series), 1)
    for j, (label, rates) in enumerate(series.items()):
        color, named = PALETTE[j % len(PALETTE)], False
        for i, rate in enumerate(rates):
            named |= _rate_bar(ax, i - 0.4 + width * (j + 0.5), rate, width, color, None if named else label)
    ax.set_xticks(range(len(groups)), groups)


def generalization_png(study: generalization.Result | None) -> bytes | None:
    """Grouped bars: per arm, accuracy on each probe family with its Wilson interval; None without the study."""
    if not study or not study.arms:
        return None
    plt = load_pyplot()
    arms, families = list(study.arms), list(study.families)
    fig, ax = plt.subplots(figsize=(max(6, 1.3 * len(arms) + 2), 3.6))
    grouped_bars(ax, arms, {f: [study.arms[arm].get(f) for arm in arms] for f in families})
    return study_png(fig, ax, plt, "Accuracy per probe family (95% Wilson interval)", "accuracy")


def augmentation_png(study: augmentation.Result | None) -> bytes | None:
    """Closed-book accuracy against phrasings per fact: one line per (method, epochs) and probe family,
    so fine-tunes trained for different numbers of epochs are never joined into one line."""
    points = study.points if study else []
    if not points:
        return None
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    styles = {"train": ":", "paraphrase": "-", "reversed": "--"}
    groups = list(dict.fromkeys((p.method, p.epochs) for p in points))
    for (method, epochs), color in zip(groups, PALETTE * len(groups)):
        mine = sorted((p for p in points if (p.method, p.epochs) == (method, epochs)), key=lambda p: p.k)
        for family, style in styles.items():
            measured = [(p.k, getattr(p, family)) for p in mine if getattr(p, family)]
            if measured:
                xs, ys = [k for k, _ in measured], [100 * r.value for _, r in measured]
                ax.plot(xs, ys, style, marker="o", color=color, label=f"{method}, {epochs} ep: {family}")
    ax.set_xscale("log")
    ks = sorted({p.k for p in points})
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel("phrasings per fact in training (k)")
    return study_png(fig, ax, plt, "Fine-tuning on k phrasings per fact", "closed-book accuracy")


def learning_curve_png(study: learning_curve.Result | None) -> bytes | None:
    """Accuracy on the trained phrasing (dotted) and held-out paraphrases (solid) against epochs, per fine-tune."""
    curves = study.finetunes if study else {}
    if not any(c.points for c in curves.values()):
        return None
    plt = load_pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    for (variant, curve), color in zip(curves.items(), PALETTE * len(curves)):
        for family, style in (("train", ":"), ("paraphrase", "-")):
            pts = [p for p in curve.points if p.families.get(family)]
            if pts:
                ax.plot(
                    [p.epoch for p in pts],
                    [100 * p.families[family].value for p in pts],
                    style,
                    marker="o",
                    markersize=3,
                    color=color,
                    label=f"{variant}: {family}",
                )
    ax.set_xlabel("epoch (checkpoints of one training run)")
    return study_png(fig, ax, plt, "Learning curve", "closed-book accuracy")

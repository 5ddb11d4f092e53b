"""long_context: the untouched model with every fact in its prompt against grounded RAG over the same facts, as the
knowledge grows (evaluate/long_context.py asks them, beside the untouched arms)."""

from __future__ import annotations

from ragft.evaluate.long_context import long_context
from ragft.evaluate.results import Closed, DecisionRow, Rate, RunResults
from ragft.report.decision import need_row
from ragft.report.lifecycle_plots import long_context_png
from ragft.report.numbers import DASH, count, has, overlap, prompt_tokens, rate_cell, said, seconds
from ragft.report.section import Section
from ragft.studies.registry import Need, Study, StudyInput

NOTE = (
    "The untouched model with every fact in its prompt (context) against grounded RAG over the same facts, as the "
    "knowledge grows; a size whose prompt does not fit the model's window is asked with RAG only. The lecture's "
    "claim: prompting works for what fits in the context window."
)


class Asked(Closed):
    accuracy: Rate
    mean_prompt_tokens: float | None
    mean_latency_s: float | None


class Size(Closed):
    facts: int
    skipped: str | None = None  # why it was not asked (the data has fewer facts)
    questions: int | None = None
    context_tokens: int | None = None
    fits: bool | None = None
    arms: dict[str, Asked] | None = None


class Result(Closed):
    window: int | None
    sizes: list[Size]


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    found, rows = long_context(inp.lab, inp.task, inp.model, inp.window)
    return {"long_context": found}, rows


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("long_context")
    sizes = sorted(found.sizes, key=lambda s: s.facts) if found else []
    if not sizes:
        return None
    window = found.window
    names = list(dict.fromkeys(name for s in sizes for name in s.arms or {}))
    headline = _largest_fit(sizes, window)
    findings = list(headline)
    for name in names:
        mine = [s for s in sizes if name in (s.arms or {}) and has(s.arms[name].accuracy)]
        if len(mine) >= 2:
            lo, hi = (s.arms[name] for s in (mine[0], mine[-1]))
            findings.append(
                f"{name}: {said(lo.accuracy)} with {mine[0].facts} facts, {said(hi.accuracy)} "
                f"with {mine[-1].facts}; {prompt_tokens(lo.mean_prompt_tokens)} → "
                f"{prompt_tokens(hi.mean_prompt_tokens)} prompt tokens per question."
            )
    misfits = [s for s in sizes if s.fits is False]
    if misfits:
        findings.append(
            f"Did not fit the {count(window)}-token window (asked with RAG only): "
            + ", ".join(f"{s.facts} facts ({count(s.context_tokens)} tokens)" for s in misfits)
            + "."
        )
    findings += [f"Not run with {s.facts} facts: {s.skipped}." for s in sizes if s.skipped]
    head = ["facts", "questions", "prompt tokens, all facts", "fits the window"]
    head += [h for name in names for h in (f"{name}: accuracy", f"{name}: tokens, seconds per question")]
    rows = [_size_row(s, names) for s in sizes]
    return Section("Long context", findings or [DASH], head, rows, NOTE, "long_context.png", headline)


def _size_row(size: Size, names: list[str]) -> list[str]:
    if size.skipped:
        return [str(size.facts), DASH, DASH, f"skipped: {size.skipped}", *[DASH] * (2 * len(names))]
    cells = [
        str(size.facts),
        DASH if size.questions is None else str(size.questions),
        count(size.context_tokens),
        "yes" if size.fits else "no",
    ]
    for name in names:
        arm = (size.arms or {}).get(name)
        cells += (
            [
                rate_cell(arm.accuracy),
                f"{prompt_tokens(arm.mean_prompt_tokens)} tokens, {seconds(arm.mean_latency_s)}",
            ]
            if arm
            else [DASH, DASH]
        )
    return cells


def largest_fit(sizes: list[Size]) -> Size | None:
    """The largest size at which the whole knowledge fit the prompt and was asked (arm `context`)."""
    fitting = [s for s in sizes if s.fits and "context" in (s.arms or {}) and has(s.arms["context"].accuracy)]
    return max(fitting, key=lambda s: s.facts, default=None)


def context_vs_rag(size: Size, window: int | None) -> str:
    """The sentence on the whole knowledge in the prompt against RAG at one size: accuracy, tokens, seconds."""
    out = (
        f"{size.facts} facts ({count(size.context_tokens)} tokens"
        + (f", window {window:,}" if window else "")
        + "): "
        + "; ".join(
            f"{name} {said(a.accuracy)} with {prompt_tokens(a.mean_prompt_tokens)} prompt tokens and "
            f"{seconds(a.mean_latency_s)} per question"
            for name, a in size.arms.items()
        )
    )
    both = [a.accuracy for a in size.arms.values()]
    if len(both) == 2 and overlap(*both) is not None:
        out += "; the 95% intervals " + ("overlap" if overlap(*both) else "do not overlap")
    return out + "."


def _largest_fit(sizes: list[Size], window: int | None) -> list[str]:
    size = largest_fit(sizes)
    if size is not None:
        return [f"Largest knowledge that fit the prompt: {context_vs_rag(size, window)}"]
    if any(s.fits is False for s in sizes):
        return [
            f"No size tried fit the {count(window)}-token window: the whole knowledge could not be put in the prompt."
        ]
    return []


def need(results: RunResults) -> DecisionRow | None:
    found: Result | None = results.study("long_context")
    size = largest_fit(found.sizes) if found else None
    if size is None:
        return None
    arms = {a: arm for a, arm in size.arms.items() if has(arm.accuracy)}
    top = max(arms, key=lambda a: (arms[a].accuracy.value, -(arms[a].mean_prompt_tokens or 0)))
    evidence = f"Largest knowledge that fit the prompt: {context_vs_rag(size, found.window)}"
    misfit = min((s.facts for s in found.sizes if s.fits is False), default=None)
    if misfit is not None:
        evidence += f" {misfit} facts did not fit the window."
    return need_row(
        "Put everything in the prompt",
        top,
        evidence,
        [top],
        facts=size.facts,
        window=found.window,
        accuracy={a: arm.accuracy.value for a, arm in arms.items()},
        prompt_tokens={a: arm.mean_prompt_tokens for a, arm in arms.items()},
        first_misfit=misfit,
    )


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"long_context.png": long_context_png(results.study("long_context"))}


STUDY = Study(
    name="long_context",
    order=70,
    phase="untouched",
    run=run,
    result=Result,
    section=section,
    charts=charts,
    needs=(Need(70, need),),
    summary="the whole knowledge in the prompt at growing sizes, against RAG",
)

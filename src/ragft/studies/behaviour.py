"""behaviour: a house style (tone, format) held by prompting against fine-tuning, per rule and all at once, and
what each costs per request (evaluate/behaviour.py runs it on its own data and fine-tunes, after the arms')."""

from __future__ import annotations

from pydantic import Field

from ragft.evaluate.behaviour import behaviour
from ragft.evaluate.decision import ranked
from ragft.evaluate.results import Closed, Comparison, DecisionRow, Rate, RunResults
from ragft.report.decision import need_row, ranked_row
from ragft.report.lifecycle_plots import tilt_labels, two_panels
from ragft.report.numbers import describe, has, listing, pct, rate_cell, repaid, said, seconds
from ragft.report.plots import grouped_bars, load_pyplot, study_png
from ragft.report.section import Section
from ragft.studies.registry import Need, Study, StudyInput


class Task(Closed):
    source: str
    train: int
    test: int
    system: str | None
    instructions: str | None
    shots: int
    instructions_tokens: int | None
    reply_schema: dict | None = None  # where arms decode under it
    grammar_ms: float | None = None  # compiling it into a grammar, once per schema


class Latency(Closed):
    median: float
    mean: float
    n: int


class Arm(Closed):
    model: str  # untouched, finetuned, lora
    instructions: bool
    shots: bool
    constrained: bool = False  # decoded under task.reply_schema
    prompt: str
    n: int
    rules: dict[str, Rate]
    all_rules: Rate
    schema_: Rate | None = Field(None, alias="schema")  # a JSON format: an object with exactly the keys
    mean_prompt_tokens: float
    mean_completion_tokens: float
    batched_seconds_per_request: float
    latency_s: Latency


class Training(Closed):
    method: str
    epochs: int | str
    examples: int
    train_tokens: int
    seconds: float


class BreakEven(Closed):
    finetuned: str
    against: str
    prompt_tokens_saved: float
    training_tokens: int
    training_seconds: float
    requests_by_tokens: int | None
    seconds_saved: float
    requests_by_seconds: int | None


class Result(Closed):
    task: Task
    rules: dict[str, str]
    note: str
    arms: dict[str, Arm]
    training: dict[str, Training]
    comparisons: dict[str, list[Comparison]]
    break_even: list[BreakEven]


def best_arm(arms: dict[str, Arm]) -> str | None:
    rated = {name: arm.all_rules for name, arm in arms.items() if has(arm.all_rules)}
    return max(rated, key=lambda a: rated[a].value) if rated else None


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("behaviour")
    arms = found.arms if found else {}
    if not any(has(a.all_rules) for a in arms.values()):
        return None
    rules = found.rules
    top = best_arm(arms)
    headline = [
        f"All {len(rules)} style rules at once on {found.task.test} held-out requests: "
        f"{listing({a: arm.all_rules for a, arm in arms.items()})}."
    ]
    tests = found.comparisons.get("all_rules") or []
    called = [c for c in tests if top in (c.a, c.b) and c.significant]
    headline += [describe(c) for c in called]  # arm names stay as written, even first
    findings = list(headline)
    json_asked = any(has(a.schema_) for a in arms.values())
    if json_asked:
        findings.append(
            f"A JSON object with exactly the required keys: {listing({a: arm.schema_ for a, arm in arms.items()})}."
        )
    for name, arm in arms.items():
        broken = sorted((r.value, rule) for rule, r in arm.rules.items() if has(r))
        if broken and broken[0][0] < 1:
            findings.append(f"{name}'s weakest rule: {broken[0][1]}, kept in {pct(broken[0][0])} of replies.")
    findings.append(
        "Per request: "
        + "; ".join(
            f"{a} {arm.mean_prompt_tokens:,.0f} prompt tokens, {seconds(arm.latency_s.median)} (median of "
            f"{arm.latency_s.n} timed alone)"
            for a, arm in arms.items()
        )
        + "."
    )
    shaped = {a: arm for a, arm in arms.items() if arm.constrained}
    if shaped:
        findings.append(
            "Decoded under the schema (the grammar holds the shape, not the words): a JSON object with the right "
            f"keys {listing({a: arm.schema_ for a, arm in shaped.items()})}; every style rule "
            f"{listing({a: arm.all_rules for a, arm in shaped.items()})}; the schema compiled in "
            f"{found.task.grammar_ms:.2g} ms, once."
        )
    for model, t in found.training.items():
        findings.append(
            f"{model} trained on {t.examples} conversations ({t.train_tokens:,} tokens, "
            f"{t.epochs} epoch(s), {t.method}) in {seconds(t.seconds)}."
        )
    for b in found.break_even:
        findings.append(
            f"{b.finetuned} against {b.against}: {b.prompt_tokens_saved:,.0f} prompt tokens and "
            f"{seconds(abs(b.seconds_saved))} {'saved' if b.seconds_saved >= 0 else 'lost'} per "
            f"request; training repaid after {repaid(b.requests_by_tokens, b.requests_by_seconds)}."
        )
    extra = ["JSON object"] if json_asked else []
    head = ["arm", "prompt", "prompt tokens", "latency (median)", "all rules", *extra, *rules]
    rows = [
        [
            name,
            arm.prompt,
            f"{arm.mean_prompt_tokens:,.0f}",
            seconds(arm.latency_s.median),
            rate_cell(arm.all_rules),
            *([rate_cell(arm.schema_)] if extra else []),
            *(said(arm.rules.get(rule)) for rule in rules),
        ]
        for name, arm in arms.items()
    ]
    note = found.note + " Rules: " + "; ".join(f"{rule}: {what}" for rule, what in rules.items()) + "."
    return Section(
        "Behaviour: a house style by prompting or fine-tuning", findings, head, rows, note, "behaviour.png", headline
    )


def png(found: Result | None) -> bytes | None:
    """Prompt tokens per request (left); all rules at once, and the JSON object where asked, per arm (right)."""
    arms = found.arms if found else {}
    if not any(has(a.all_rules) for a in arms.values()):
        return None
    plt = load_pyplot()
    names = list(arms)
    fig, cost, ax = two_panels(plt, len(names))
    tokens = [arm.mean_prompt_tokens for arm in arms.values()]
    cost.bar(range(len(names)), tokens, color="#8c8c8c", width=0.6)
    for i, t in enumerate(tokens):
        cost.text(i, t, f"{t:,.0f}", ha="center", va="bottom", fontsize=7)
    cost.set_xticks(range(len(names)), names)
    tilt_labels(cost)
    cost.set_ylabel("prompt tokens per request")
    cost.set_title("Prompt size", fontsize=9)
    cost.spines[["top", "right"]].set_visible(False)
    series = {"all style rules": [a.all_rules for a in arms.values()]}
    if any(has(a.schema_) for a in arms.values()):
        series["JSON object, right keys"] = [a.schema_ for a in arms.values()]
    grouped_bars(ax, names, series)
    tilt_labels(ax)
    return study_png(fig, ax, plt, "Held-out requests in the house style (95% Wilson interval)", "share of replies")


def _found(results: RunResults) -> Result | None:
    return results.study("behaviour")


def _kept(row: DecisionRow | None) -> DecisionRow | None:
    """A ranked behaviour row where no arm kept the rule even once names no winner."""
    if row is not None and not max(row.numbers.model_extra["accuracy"].values()):
        numbers = row.numbers.model_copy(update={"winners": []})
        row = row.model_copy(update={"best": "none: no arm kept it", "numbers": numbers})
    return row


def house_style(results: RunResults) -> DecisionRow | None:
    found = _found(results)
    if not found:
        return None
    return _kept(
        ranked_row(
            "Hold a house style (tone, what to ask)",
            ranked({a: arm.all_rules for a, arm in found.arms.items()}, found.comparisons.get("all_rules") or []),
            measure="Replies keeping every style rule",
        )
    )


def output_format(results: RunResults) -> DecisionRow | None:
    """The arms that hold the format best (validity); of those, which got the words right too (content: every
    style rule) and which costs least per request: a grammar guarantees the shape, not the words."""
    found = _found(results)
    if not found or not any(has(arm.schema_) for arm in found.arms.values()):
        return None
    row = _kept(
        ranked_row(
            "Hold an output format (JSON)",
            ranked({a: arm.schema_ for a, arm in found.arms.items()}, found.comparisons.get("schema") or []),
            measure="A JSON object with exactly the required keys",
        )
    )
    holding = [*row.numbers.winners, *row.numbers.model_extra["not_significantly_worse"]] if row else []
    if not holding:
        return row
    arms = found.arms
    content = ranked({a: arms[a].all_rules for a in holding}, found.comparisons.get("all_rules") or [])
    cheapest = min(holding, key=lambda a: arms[a].mean_prompt_tokens)
    evidence = (
        f" Of the arms holding it: every style rule {listing({a: arms[a].all_rules for a in holding})}; the "
        f"cheapest, {cheapest}, at {arms[cheapest].mean_prompt_tokens:,.0f} prompt tokens per request."
    )
    best = f"valid: {row.best}; content: {', '.join(content.winners) if content else 'none'}; cost: {cheapest}"
    numbers = {
        **row.numbers.model_dump(),
        "content_winners": content.winners if content else [],
        "cheapest_valid": cheapest,
    }
    return need_row(row.need, best, row.evidence + evidence, **numbers)


def short_prompts(results: RunResults) -> DecisionRow | None:
    """Of the arms that hold the style as well as the best one (no significant difference), the one with the
    shortest prompt; the fine-tune's training and when it is repaid beside it."""
    style = house_style(results)
    if style is None:
        return None
    found = _found(results)
    arms = found.arms
    # no winner where no arm kept the style: then no prompt is short enough to be worth it
    winners, level = style.numbers.winners, style.numbers.model_extra["not_significantly_worse"]
    holding = [a for a in arms if winners and (a in winners or a in level)]
    top = min(holding, key=lambda a: arms[a].mean_prompt_tokens) if holding else None
    evidence = (
        "Per request: "
        + "; ".join(
            f"{a} {arm.mean_prompt_tokens:,.0f} prompt tokens, {seconds(arm.latency_s.median)}"
            for a, arm in arms.items()
        )
        + f". Holding the style as well as the best: {', '.join(holding) or 'none'}."
    )
    evidence += "".join(f" {m} trained once in {seconds(t.seconds)}." for m, t in found.training.items())
    evidence += "".join(
        f" {b.finetuned} against {b.against}: repaid after {repaid(b.requests_by_tokens, b.requests_by_seconds)}."
        for b in found.break_even
    )
    return need_row(
        "Short prompts (cost and latency per request)",
        top or "none: no arm kept the style",
        evidence,
        [top] if top else [],
        prompt_tokens={a: arm.mean_prompt_tokens for a, arm in arms.items()},
        latency_s={a: arm.latency_s.median for a, arm in arms.items()},
        holding_style=holding,
    )


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    found, rows = behaviour(inp.lab)
    return {"behaviour": found}, rows


def check(config, arms: list) -> None:
    if config.backend.type != "local":
        raise ValueError("experiments: behaviour fine-tunes and times the model here: it needs the local backend")


def approaches(results: RunResults) -> dict[str, str]:
    """The study's arms, which are not the run's: prompting or fine-tuning, for the recommendation."""
    found = _found(results)
    arms = found.arms if found else {}
    kinds = {}
    for name, arm in arms.items():
        kind = "prompting" if arm.model == "untouched" else "fine-tuning"
        if arm.constrained:
            kind = "constrained decoding" if arm.model == "untouched" else "fine-tuning + constrained decoding"
        kinds[name] = kind
    return kinds


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"behaviour.png": png(_found(results))}


STUDY = Study(
    name="behaviour",
    order=90,
    phase="trained",
    run=run,
    result=Result,
    section=section,
    charts=charts,
    check=check,
    needs=(Need(90, house_style), Need(91, output_format), Need(92, short_prompts)),
    approaches=approaches,
    trains_after=True,
    summary="a house style (tone, format) held by prompting against fine-tuning (config behaviour:)",
)

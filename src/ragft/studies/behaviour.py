"""behaviour: a house style (tone, format) held by prompting against fine-tuning, per rule and all at once, and
what each costs per request (evaluate/behaviour.py runs it on its own data and fine-tunes, after the arms')."""

from __future__ import annotations

from pydantic import Field

from ragft.evaluate.behaviour import behaviour
from ragft.evaluate.decision import need_row, ranked
from ragft.evaluate.paired import describe
from ragft.evaluate.results import Closed, Comparison, Rate
from ragft.report.lifecycle_plots import tilt_labels, two_panels
from ragft.report.numbers import DASH, has, listing, pct, rate_cell, repaid, said, seconds, study
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


class Latency(Closed):
    median: float
    mean: float
    n: int


class Arm(Closed):
    model: str  # untouched, finetuned, lora
    instructions: bool
    shots: bool
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


def best_arm(arms: dict, key: str = "all_rules") -> str | None:
    rated = {name: arm[key] for name, arm in arms.items() if has(arm.get(key))}
    return max(rated, key=lambda a: rated[a]["value"]) if rated else None


def section(results: dict) -> Section | None:
    found = study(results, "behaviour")
    arms = (found or {}).get("arms") or {}
    if not any(has(a.get("all_rules")) for a in arms.values()):
        return None
    task = found.get("task") or {}
    rules = found.get("rules") or {}
    top = best_arm(arms)
    headline = [
        f"All {len(rules)} style rules at once on {task.get('test', DASH)} held-out requests: "
        f"{listing({a: arm.get('all_rules') for a, arm in arms.items()})}."
    ]
    tests = (found.get("comparisons") or {}).get("all_rules") or []
    called = [c for c in tests if top in (c["a"], c["b"]) and c["significant"]]
    headline += [describe(c) for c in called]  # arm names stay as written, even first
    findings = list(headline)
    if any(has(a.get("schema")) for a in arms.values()):
        findings.append(
            "A JSON object with exactly the required keys: "
            f"{listing({a: arm.get('schema') for a, arm in arms.items()})}."
        )
    for name, arm in arms.items():
        broken = sorted(((r["value"], rule) for rule, r in (arm.get("rules") or {}).items() if has(r)))
        if broken and broken[0][0] < 1:
            findings.append(f"{name}'s weakest rule: {broken[0][1]}, kept in {pct(broken[0][0])} of replies.")
    findings.append(
        "Per request: "
        + "; ".join(
            f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, {seconds(arm['latency_s']['median'])} (median of "
            f"{arm['latency_s']['n']} timed alone)"
            for a, arm in arms.items()
        )
        + "."
    )
    for model, t in (found.get("training") or {}).items():
        findings.append(
            f"{model} trained on {t['examples']} conversations ({t['train_tokens']:,} tokens, "
            f"{t['epochs']} epoch(s), {t['method']}) in {seconds(t['seconds'])}."
        )
    for b in found.get("break_even") or []:
        findings.append(
            f"{b['finetuned']} against {b['against']}: {b['prompt_tokens_saved']:,.0f} prompt tokens and "
            f"{seconds(abs(b['seconds_saved']))} {'saved' if b['seconds_saved'] >= 0 else 'lost'} per "
            f"request; training repaid after {repaid(b)}."
        )
    extra = ["JSON object"] if any(has(a.get("schema")) for a in arms.values()) else []
    head = ["arm", "prompt", "prompt tokens", "latency (median)", "all rules", *extra, *rules]
    rows = [
        [
            name,
            arm.get("prompt", DASH),
            f"{arm['mean_prompt_tokens']:,.0f}",
            seconds(arm["latency_s"]["median"]),
            rate_cell(arm.get("all_rules")),
            *([rate_cell(arm.get("schema"))] if extra else []),
            *(said(arm["rules"].get(rule)) for rule in rules),
        ]
        for name, arm in arms.items()
    ]
    note = found.get("note", "") + " Rules: " + "; ".join(f"{rule}: {what}" for rule, what in rules.items()) + "."
    return Section(
        "Behaviour: a house style by prompting or fine-tuning", findings, head, rows, note, "behaviour.png", headline
    )


def png(found: dict | None) -> bytes | None:
    """Prompt tokens per request (left); all rules at once, and the JSON object where asked, per arm (right)."""
    arms = (found or {}).get("arms") or {}
    if not any(has(a.get("all_rules")) for a in arms.values()):
        return None
    plt = load_pyplot()
    names = list(arms)
    fig, cost, ax = two_panels(plt, len(names))
    tokens = [arm["mean_prompt_tokens"] for arm in arms.values()]
    cost.bar(range(len(names)), tokens, color="#8c8c8c", width=0.6)
    for i, t in enumerate(tokens):
        cost.text(i, t, f"{t:,.0f}", ha="center", va="bottom", fontsize=7)
    cost.set_xticks(range(len(names)), names)
    tilt_labels(cost)
    cost.set_ylabel("prompt tokens per request")
    cost.set_title("Prompt size", fontsize=9)
    cost.spines[["top", "right"]].set_visible(False)
    series = {"all style rules": [a.get("all_rules") for a in arms.values()]}
    if any(has(a.get("schema")) for a in arms.values()):
        series["JSON object, right keys"] = [a.get("schema") for a in arms.values()]
    grouped_bars(ax, names, series)
    tilt_labels(ax)
    return study_png(fig, ax, plt, "Held-out requests in the house style (95% Wilson interval)", "share of replies")


def _behaviour(results: dict) -> tuple[dict, dict]:
    found = study(results, "behaviour") or {}
    return found.get("arms") or {}, found.get("comparisons") or {}


def _kept(row: dict | None) -> dict | None:
    """A ranked behaviour row where no arm kept the rule even once names no winner."""
    if row is not None and not max(row["numbers"]["accuracy"].values()):
        row["best"], row["numbers"]["winners"] = "none: no arm kept it", []
    return row


def house_style(results: dict) -> dict | None:
    arms, tests = _behaviour(results)
    return _kept(
        ranked(
            "Hold a house style (tone, what to ask)",
            {a: arm.get("all_rules") for a, arm in arms.items()},
            tests.get("all_rules") or [],
            measure="Replies keeping every style rule",
        )
    )


def output_format(results: dict) -> dict | None:
    arms, tests = _behaviour(results)
    if not any(has(arm.get("schema")) for arm in arms.values()):
        return None
    return _kept(
        ranked(
            "Hold an output format (JSON)",
            {a: arm.get("schema") for a, arm in arms.items()},
            tests.get("schema") or [],
            measure="A JSON object with exactly the required keys",
        )
    )


def short_prompts(results: dict) -> dict | None:
    """Of the arms that hold the style as well as the best one (no significant difference), the one with the
    shortest prompt; the fine-tune's training and when it is repaid beside it."""
    style = house_style(results)
    arms, _ = _behaviour(results)
    if style is None:
        return None
    numbers = style["numbers"]  # no winner where no arm kept the style: then no prompt is short enough to be worth it
    holding = [
        a for a in arms if numbers["winners"] and (a in numbers["winners"] or a in numbers["not_significantly_worse"])
    ]
    top = min(holding, key=lambda a: arms[a]["mean_prompt_tokens"]) if holding else None
    evidence = (
        "Per request: "
        + "; ".join(
            f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, {seconds(arm['latency_s']['median'])}"
            for a, arm in arms.items()
        )
        + f". Holding the style as well as the best: {', '.join(holding) or 'none'}."
    )
    trained = (study(results, "behaviour") or {}).get("training") or {}
    evidence += "".join(f" {m} trained once in {seconds(t['seconds'])}." for m, t in trained.items())
    evidence += "".join(
        f" {b['finetuned']} against {b['against']}: repaid after {repaid(b)}."
        for b in (study(results, "behaviour") or {}).get("break_even") or []
    )
    return need_row(
        "Short prompts (cost and latency per request)",
        top or "none: no arm kept the style",
        evidence,
        [top] if top else [],
        prompt_tokens={a: arm["mean_prompt_tokens"] for a, arm in arms.items()},
        latency_s={a: arm["latency_s"]["median"] for a, arm in arms.items()},
        holding_style=holding,
    )


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    found, rows = behaviour(inp.lab)
    return {"behaviour": found}, rows


def check(config, arms: list) -> None:
    if config.backend.type != "local":
        raise ValueError("experiments: behaviour fine-tunes and times the model here: it needs the local backend")


def approaches(results: dict) -> dict[str, str]:
    """The study's arms, which are not the run's: prompting or fine-tuning, for the recommendation."""
    return {
        name: "prompting" if arm.get("model") == "untouched" else "fine-tuning"
        for name, arm in _behaviour(results)[0].items()
    }


def charts(results: dict) -> dict[str, bytes | None]:
    return {"behaviour.png": png(study(results, "behaviour"))}


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

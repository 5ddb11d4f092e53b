"""unknowns: questions about entities that are not in the data (data/unknowns.py); the right reply is to abstain,
any other is invented (evaluate/unknowns.py scores them from the run's records)."""

from __future__ import annotations

from ragft.data.unknowns import check_source
from ragft.evaluate.results import Closed, Comparison, DecisionRow, Rate, RunResults
from ragft.evaluate.unknowns import unknowns_results
from ragft.report.decision import need_row
from ragft.report.lifecycle_plots import unknowns_png
from ragft.report.numbers import has, listing, pct, rate_cell, value
from ragft.report.section import Section
from ragft.studies.registry import Need, Study, StudyInput

NOTE = (
    "Questions about entities that are not in the data: the right reply is to abstain, any answer is invented. "
    "Gekhman et al. (2024) found fine-tuning on new knowledge raising hallucination; the idk fine-tune is trained "
    "to say it does not know. Invention is compared with the base model's by exact McNemar tests "
    "(Holm-corrected)."
)


class Arm(Closed):
    abstained: Rate
    invented: Rate
    known_accuracy: Rate | None
    known_abstained: Rate | None


class Result(Closed):
    questions: int
    arms: dict[str, Arm]
    invention_vs_base: list[Comparison]


def check(config, arms: list) -> None:
    check_source(config)


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    return {"unknowns": unknowns_results(inp.rows, inp.arms)}, []


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("unknowns")
    arms = found.arms if found else {}
    invented = {name: a.invented for name, a in arms.items() if has(a.invented)}
    if not invented:
        return None
    low, high = (f(r.value for r in invented.values()) for f in (min, max))
    asked = f"the {found.questions} questions about entities not in the data"
    if low == high:
        headline = [f"Every arm invented an answer to {pct(low)} of {asked}."]
    else:
        least = ", ".join(name for name, r in invented.items() if r.value == low)
        most = ", ".join(name for name, r in invented.items() if r.value == high)
        headline = [
            f"Of {asked}, {least} invented answers to the fewest ({pct(low)}), {most} to the most "
            f"({pct(high)}); invented: {listing(invented)}."
        ]
    headline += [_invention(c) for c in found.invention_vs_base]
    findings = list(headline)
    known = {name: a.known_accuracy for name, a in arms.items()}
    if any(has(r) for r in known.values()):
        findings.append(f"Accuracy on known facts: {listing(known)}.")
    doubting = {name: a.known_abstained for name, a in arms.items() if value(a.known_abstained)}
    if doubting:
        findings.append(f"Abstained on known facts: {listing(doubting)}.")
    head = ["arm", "unknowns: abstained", "unknowns: invented", "known facts: accurate", "known facts: abstained"]
    rows = [
        [name, *(rate_cell(r) for r in (a.abstained, a.invented, a.known_accuracy, a.known_abstained))]
        for name, a in arms.items()
    ]
    return Section("Unknowns", findings, head, rows, NOTE, "unknowns.png", headline)


def _invention(c: Comparison) -> str:
    """The paired test of invention between the base model and a fine-tune (`better`: the one inventing less)."""
    stats = f"exact McNemar p = {c.p_value:.2g}, Holm-corrected p = {c.p_holm:.2g}, {c.n} questions"
    rates = f"{pct(c.accuracy_a)} vs {pct(c.accuracy_b)} invented"
    if c.significant and c.better:
        worse = c.b if c.better == c.a else c.a
        return f"{c.better} invents significantly less than {worse} ({c.a} vs {c.b}: {rates}; {stats})."
    return f"No significant difference in invention between {c.a} and {c.b} ({rates}; {stats})."


def need(results: RunResults) -> DecisionRow | None:
    found: Result | None = results.study("unknowns")
    arms = found.arms if found else {}
    invented = {a: arm.invented for a, arm in arms.items() if has(arm.invented)}
    if not invented:
        return None
    low = min(r.value for r in invented.values())
    winners = [a for a, r in invented.items() if r.value == low]
    if len(winners) == len(invented):
        winners, best = [], f"none stood out: every arm invented {pct(low)}"
    else:
        best = ", ".join(winners)
    evidence = f"Invented an answer to questions about entities not in the data: {listing(invented)}."
    known = {a: arms[a].known_accuracy for a in winners}
    if any(has(r) for r in known.values()):
        evidence += f" Accuracy on known facts: {listing(known)}."
    tests = found.invention_vs_base
    called = [c for c in tests if c.significant and c.better]
    evidence += "".join(
        f" {c.better} invents significantly less than {c.b if c.better == c.a else c.a}"
        f" (Holm p = {c.p_holm:.2g}, {c.n} questions)."
        for c in called
    )
    if tests and not called:
        evidence += (
            f" No fine-tune invents significantly more or less than {tests[0].a} "
            f"(exact McNemar, Holm-corrected, {tests[0].n} questions)."
        )
    return need_row(
        "Do not invent answers about unknowns",
        best,
        evidence,
        winners,
        invented={a: r.value for a, r in invented.items()},
        abstained={a: arms[a].abstained.value for a in invented if has(arms[a].abstained)},
    )


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"unknowns.png": unknowns_png(results.study("unknowns"))}


STUDY = Study(
    name="unknowns",
    order=60,
    phase="records",
    asks_unknowns=True,
    run=run,
    result=Result,
    section=section,
    charts=charts,
    needs=(Need(40, need),),
    check=check,
    summary="questions about entities not in the data: abstained or invented, per arm",
)

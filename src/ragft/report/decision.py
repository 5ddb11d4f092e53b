"""The decision table as the report and results.json give it: for each need a team has (answer accurately, keep the
knowledge up to date, delete a fact, not invent, cite, cost, put everything in the prompt, combine both; hold a house
style, an output format, short prompts), the approach the run measured best and the evidence, every number with its
n. evaluate/decision.py decides the needs the arms answer, each study its own; this module writes their rows and the
recommendation, naming each winner's kind in the words of the question "fine-tune or RAG?". A need whose numbers the
run did not make has no row, so the table says only what was measured."""

from __future__ import annotations

from ragft.evaluate import decision as decide
from ragft.evaluate.context import context_named
from ragft.evaluate.decision import ACCURACY, COMBINE, Ranking
from ragft.evaluate.results import Decision, DecisionNumbers, DecisionRow, RunResults
from ragft.report.numbers import listing, pct, said, seconds
from ragft.studies.registry import Need, studies


def decision_table(results: RunResults) -> Decision:
    results = decide.deployable(results)
    rows = decision_rows(results)
    return Decision(rows=rows, recommendation=recommendation(results, rows))


def decision_rows(results: RunResults) -> list[DecisionRow]:
    """A row per need measured, in rank order; a study's row replaces the arms-only row of the same need."""
    studied = [(n.rank, row) for s in studies() for n in s.needs if (row := n.row(results)) is not None]
    measured = {row.need for _, row in studied}
    core = [(n.rank, row) for n in NEEDS if (row := n.row(results)) is not None and row.need not in measured]
    return [row for _, row in sorted([*studied, *core], key=lambda ranked_row: ranked_row[0])]


def need_row(need: str, best: str, evidence: str, winners: list[str], **numbers) -> DecisionRow:
    """A row: `winners` the arms (or approaches) it calls best, empty where none stood out."""
    return DecisionRow(need=need, best=best, evidence=evidence, numbers=DecisionNumbers(winners=winners, **numbers))


def ranked_row(need: str, ranking: Ranking | None, extra: str = "", measure: str = "Accuracy") -> DecisionRow | None:
    """The best arm by a rate, tied arms beside it, and what the paired tests say of it against the others."""
    if ranking is None:
        return None
    top, tests = ranking.top, ranking.tests
    evidence = f"{measure}: {listing(ranking.rates)}."
    verdicts = ([f"significantly better than {_with_p(ranking.worse, tests)}"] if ranking.worse else []) + (
        [f"not significantly better than {_with_p(ranking.level, tests)}"] if ranking.level else []
    )
    if verdicts:
        evidence += f" By exact McNemar tests (Holm-corrected), {top} is " + " and ".join(verdicts) + "."
    if ranking.untested:
        evidence += f" {', '.join(ranking.untested)}: no paired test against {top} in this run."
    tied = ranking.winners[1:]
    best = ", ".join(ranking.winners) + (" (tied)" if tied else "")
    if ranking.level:
        best += f"; not significantly better than {', '.join(ranking.level)}"
    return need_row(need, best, evidence + extra, ranking.winners, **ranking.numbers())


def _with_p(arms: list[str], tests: dict) -> str:
    return ", ".join(f"{a} (Holm p = {tests[a].p_holm:.2g})" for a in arms)


def accuracy(results: RunResults) -> DecisionRow | None:
    return ranked_row(ACCURACY, decide.accuracy(results))


def citations(results: RunResults) -> DecisionRow | None:
    arms = decide.citing(results)
    if not arms:
        return None
    high = max(arm.citation_accuracy for arm in arms.values())
    winners = [a for a, arm in arms.items() if arm.citation_accuracy == high]
    evidence = (
        "Citations whose cited passage states the answer: "
        + ", ".join(
            f"{a} {pct(arm.citation_accuracy)} of {arm.citations} citations ({arm.n} questions)"
            for a, arm in arms.items()
        )
        + "."
    )
    closed = [a for a, arm in results.arms.items() if not arm.rag]
    if closed:
        evidence += f" Closed-book arms ({', '.join(closed)}) cite nothing."
    return need_row(
        "Cite sources",
        ", ".join(winners),
        evidence,
        winners,
        citation_accuracy={a: arm.citation_accuracy for a, arm in arms.items()},
        citations={a: arm.citations for a, arm in arms.items()},
    )


def cost(results: RunResults) -> DecisionRow | None:
    """Prompt tokens and seconds per question of the untouched model in each context (closed book, RAG, the whole
    knowledge in the prompt), and per correct answer; fine-tuning's one-off training beside them."""
    arms = decide.priced(results)
    if len(arms) < 2:
        return None
    per_correct = decide.tokens_per_correct(arms)
    tokens = {a: arm.mean_prompt_tokens for a, arm in arms.items()}
    top = min(per_correct or tokens, key=(per_correct or tokens).get)
    evidence = (
        "Per question: "
        + "; ".join(
            f"{a} {arm.mean_prompt_tokens:,.0f} prompt tokens, {seconds(arm.mean_latency_s)}, "
            f"{said(decide.arm_rate(arm))} correct"
            for a, arm in arms.items()
        )
        + "."
    )
    if per_correct:
        evidence += " Prompt tokens per correct answer: " + ", ".join(f"{a} {v:,.0f}" for a, v in per_correct.items())
        evidence += "."
    trained = decide.finetune_seconds(results)
    if trained:
        evidence += " Fine-tuning once: " + ", ".join(f"{v} {seconds(s)}" for v, s in trained.items()) + "."
    return need_row(
        "Cost per question",
        top,
        evidence,
        [top],
        prompt_tokens=tokens,
        seconds_per_question={a: arm.mean_latency_s for a, arm in arms.items()},
        prompt_tokens_per_correct=per_correct,
        finetune_seconds=trained,
    )


def combine(results: RunResults) -> DecisionRow | None:
    return ranked_row(COMBINE, decide.combined(results))


# The needs every run can answer from its arms; each study adds its own (studies/registry.py's Need), ranked among
# these (accuracy 10, citations 50, cost 60, combine 80), and a study's row for one of these needs replaces it.
NEEDS = (Need(10, accuracy), Need(50, citations), Need(60, cost), Need(80, combine))


def approaches(results: RunResults) -> dict[str, str]:
    """{name: kind} of what the studies compare besides the run's arms (the behaviour study's prompted arms)."""
    return {name: k for s in studies() if s.approaches for name, k in s.approaches(results).items()}


def kind(name: str, results: RunResults, studied: dict[str, str] | None = None) -> str:
    """What an arm or approach is, in the words of the question "fine-tune or RAG?" (`studied`: the studies'
    approaches, when the caller has them already)."""
    arm = results.arms.get(name)
    studied = (approaches(results) if studied is None else studied).get(name)
    if arm is None and studied is not None:
        return studied
    if arm is not None:
        finetuned, rag = arm.finetuned, arm.rag
    else:  # the lifecycle studies' own names: finetuned-continued, finetuned-retrained, context
        finetuned = name.startswith("finetuned") or name == "raft"
        rag = "full" if name == "context" else "grounded" if name == "raft" or "rag" in name else None
    if finetuned:
        return "fine-tuning + RAG" if rag else "fine-tuning"
    context = context_named(rag)
    return context.kind if context else "RAG"


def recommendation(results: RunResults, rows: list[DecisionRow]) -> str:
    """Which approach was best on the most needs, where the others won, and how far the accuracy verdict can
    be trusted: all from the rows."""
    if not rows:
        return "Nothing was measured in this run, so there is nothing to recommend."
    studied = approaches(results)
    won: dict[str, list[str]] = {}
    for row in rows:
        for k in dict.fromkeys(kind(w, results, studied) for w in row.numbers.winners):
            won.setdefault(k, []).append(row.need.lower())
    out = []
    if won:
        most = max(len(needs) for needs in won.values())
        leaders = [k for k, needs in won.items() if len(needs) == most]
        out += [f"For this data, {k} was best (or tied best) on {_needs(won[k], len(rows))}." for k in leaders]
        others = [f"{k} on {_needs(needs)}" for k, needs in won.items() if k not in leaders]
        if others:
            out.append("Also best (or tied best): " + "; ".join(others) + ".")
    names = [*results.arms, *studied]
    idle = [k for k in dict.fromkeys(kind(a, results, studied) for a in names) if k not in won]
    if idle:
        out.append(f"Best on none of them: {', '.join(idle)}.")
    open_needs = [row.need.lower() for row in rows if not row.numbers.winners]
    if open_needs:
        out.append(f"No approach stood out on: {'; '.join(open_needs)}.")
    out += _accuracy_caveat(rows)
    return " ".join(out)


def _needs(names: list[str], total: int | None = None) -> str:
    """'2 of the 8 needs measured (a, b)'."""
    count = (
        f"{len(names)} of the {total} needs measured" if total else f"{len(names)} need{'s' if len(names) != 1 else ''}"
    )
    return f"{count} ({', '.join(names)})"


def _accuracy_caveat(rows: list[DecisionRow]) -> list[str]:
    row = next((r for r in rows if r.need == ACCURACY), None)
    if row is None:
        return []
    numbers = row.numbers.model_extra
    top = row.numbers.winners[0]
    lead = f"{top} ({pct(numbers['accuracy'][top])} of {numbers['n'][top]} questions)"
    if numbers["not_significantly_worse"]:
        return [
            f"On accuracy, {lead} is not significantly better than {', '.join(numbers['not_significantly_worse'])}:"
            " more questions are needed to call that difference."
        ]
    if numbers["untested"]:
        return [
            f"On accuracy, {lead} was not tested against {', '.join(numbers['untested'])} by a paired test, so "
            "its lead there is not known to be beyond chance."
        ]
    if numbers["significantly_worse"]:
        return [f"On accuracy, {lead} is significantly better than {', '.join(numbers['significantly_worse'])}."]
    return []

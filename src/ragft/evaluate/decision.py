"""The decision table: for each need a team has (answer accurately, keep the knowledge up to date, delete a fact,
not invent, cite, cost, put everything in the prompt, combine both; hold a house style, an output format, short
prompts), the approach this run measured best and the evidence, every number with its n. A pure function of
results.json: a need whose numbers the run did not make has no row; the recommendation is written from the rows
(report/decision.py), so it says only what was measured."""

from __future__ import annotations

from ragft.evaluate.context import context_named
from ragft.report.numbers import comparison, has, listing, pct, said, seconds
from ragft.studies.registry import Need, studies


def decision_rows(results: dict) -> list[dict]:
    """[{"need", "best", "evidence", "numbers"}], `numbers["winners"]` naming the arms (or approaches) the row calls
    best, empty where none stood out; `results` are the deployable ones (no oracle arms). report/decision.py writes
    the recommendation from them."""
    studied = [(n.rank, row) for s in studies() for n in s.needs if (row := n.row(results)) is not None]
    measured = {row["need"] for _, row in studied}  # a study's row replaces the arms-only row of the same need
    core = [(n.rank, row) for n in NEEDS if (row := n.row(results)) is not None and row["need"] not in measured]
    return [row for _, row in sorted([*studied, *core], key=lambda ranked_row: ranked_row[0])]


def deployable(results: dict) -> dict:
    """`results` without the oracle arms: they read gold passages no deployed system has, so they bound
    the reader (the report shows them beside `rag`) but are never an approach to recommend."""
    arms = results.get("arms") or {}
    oracles = {a for a, arm in arms.items() if not getattr(context_named(arm.get("rag")), "recommend", True)}
    if not oracles:
        return results
    return {
        **results,
        "arms": {a: arm for a, arm in arms.items() if a not in oracles},
        "comparisons": [c for c in results.get("comparisons") or [] if not oracles & {c.get("a"), c.get("b")}],
    }


def need_row(need: str, best: str, evidence: str, winners: list[str], **numbers) -> dict:
    return {"need": need, "best": best, "evidence": evidence, "numbers": {"winners": winners, **numbers}}


def arm_rate(arm: dict) -> dict:
    return {
        "value": arm.get("accuracy"),
        "correct": arm.get("correct", 0),
        "n": arm.get("n") or 0,
        "ci95": arm.get("ci95"),
    }


def ranked(
    need: str, rates: dict[str, dict], comparisons: list[dict], extra: str = "", measure: str = "Accuracy"
) -> dict | None:
    """The arm with the highest accuracy, tied arms beside it, and what the paired tests (exact McNemar,
    Holm-corrected) say of it against the others: a difference is called only where the test calls it."""
    rates = {name: r for name, r in rates.items() if has(r)}
    if not rates:
        return None
    order = sorted(rates, key=lambda name: -rates[name]["value"])
    top = order[0]
    tied = [a for a in order[1:] if rates[a]["value"] == rates[top]["value"]]
    tests = {a: comparison({"comparisons": comparisons}, top, a) for a in order[1:] if a not in tied}
    worse = [a for a, c in tests.items() if c and c["significant"] and c["better"] == top]
    level = [a for a, c in tests.items() if c and not c["significant"]]
    untested = [a for a, c in tests.items() if not c]
    evidence = f"{measure}: {listing({a: rates[a] for a in order})}."
    verdicts = ([f"significantly better than {_with_p(worse, tests)}"] if worse else []) + (
        [f"not significantly better than {_with_p(level, tests)}"] if level else []
    )
    if verdicts:
        evidence += f" By exact McNemar tests (Holm-corrected), {top} is " + " and ".join(verdicts) + "."
    if untested:
        evidence += f" {', '.join(untested)}: no paired test against {top} in this run."
    best = ", ".join([top, *tied]) + (" (tied)" if tied else "")
    if level:
        best += f"; not significantly better than {', '.join(level)}"
    return need_row(
        need,
        best,
        evidence + extra,
        [top, *tied],
        accuracy={a: rates[a]["value"] for a in order},
        n={a: rates[a]["n"] for a in order},
        not_significantly_worse=level,
        significantly_worse=worse,
        untested=untested,
    )


def _with_p(arms: list[str], tests: dict[str, dict]) -> str:
    return ", ".join(f"{a} (Holm p = {tests[a]['p_holm']:.2g})" for a in arms)


def accuracy(results: dict) -> dict | None:
    rates = {name: arm_rate(arm) for name, arm in (results.get("arms") or {}).items()}
    return ranked("Answer accurately from the knowledge", rates, results.get("comparisons") or [])


def citations(results: dict) -> dict | None:
    arms = {
        a: arm
        for a, arm in (results.get("arms") or {}).items()
        if arm.get("citations") and arm.get("citation_accuracy") is not None
    }
    if not arms:
        return None
    high = max(arm["citation_accuracy"] for arm in arms.values())
    winners = [a for a, arm in arms.items() if arm["citation_accuracy"] == high]
    evidence = (
        "Citations whose cited passage states the answer: "
        + ", ".join(
            f"{a} {pct(arm['citation_accuracy'])} of {arm['citations']} citations ({arm.get('n')} questions)"
            for a, arm in arms.items()
        )
        + "."
    )
    closed = [a for a, arm in (results.get("arms") or {}).items() if not arm.get("rag")]
    if closed:
        evidence += f" Closed-book arms ({', '.join(closed)}) cite nothing."
    return need_row(
        "Cite sources",
        ", ".join(winners),
        evidence,
        winners,
        citation_accuracy={a: arm["citation_accuracy"] for a, arm in arms.items()},
        citations={a: arm["citations"] for a, arm in arms.items()},
    )


def cost(results: dict) -> dict | None:
    """Prompt tokens and seconds per question of the untouched model in each context (closed book, RAG, the whole
    knowledge in the prompt), and per correct answer; fine-tuning's one-off training beside them."""
    arms = {
        a: arm
        for a, arm in (results.get("arms") or {}).items()
        if not arm.get("finetuned") and arm.get("n") and arm.get("mean_prompt_tokens") is not None
    }
    if len(arms) < 2:
        return None
    per_correct = {a: arm["mean_prompt_tokens"] / arm["accuracy"] for a, arm in arms.items() if arm.get("accuracy")}
    tokens = {a: arm["mean_prompt_tokens"] for a, arm in arms.items()}
    top = min(per_correct or tokens, key=(per_correct or tokens).get)
    evidence = (
        "Per question: "
        + "; ".join(
            f"{a} {arm['mean_prompt_tokens']:,.0f} prompt tokens, {seconds(arm.get('mean_latency_s'))}, "
            f"{said(arm_rate(arm))} correct"
            for a, arm in arms.items()
        )
        + "."
    )
    if per_correct:
        evidence += " Prompt tokens per correct answer: " + ", ".join(f"{a} {v:,.0f}" for a, v in per_correct.items())
        evidence += "."
    trained = results.get("finetunes") or ({"finetuned": results["finetune"]} if results.get("finetune") else {})
    trained = {v: ft["seconds"] for v, ft in trained.items() if (ft or {}).get("seconds") is not None}
    if trained:
        evidence += " Fine-tuning once: " + ", ".join(f"{v} {seconds(s)}" for v, s in trained.items()) + "."
    return need_row(
        "Cost per question",
        top,
        evidence,
        [top],
        prompt_tokens=tokens,
        seconds_per_question={a: arm.get("mean_latency_s") for a, arm in arms.items()},
        prompt_tokens_per_correct=per_correct,
        finetune_seconds=trained,
    )


COMBINE = "Combine fine-tuning and retrieval"


def combine(results: dict) -> dict | None:
    """The fine-tune with RAG against RAG, from the run's arms (the raft study's row replaces it where it ran)."""
    arms = results.get("arms") or {}
    both = [a for a, arm in arms.items() if arm.get("finetuned") and arm.get("rag")]
    rags = [a for a, arm in arms.items() if not arm.get("finetuned") and _retrieves(arm.get("rag"))]
    if not both or not rags:
        return None
    return ranked(COMBINE, {a: arm_rate(arms[a]) for a in both + rags}, results.get("comparisons") or [])


# The needs every run can answer from its arms; each study adds its own (studies/registry.py's Need), ranked among
# these, and a study's row for one of these needs replaces it.
NEEDS = (Need(10, accuracy), Need(50, citations), Need(60, cost), Need(80, combine))


def _retrieves(rag: str | None) -> bool:
    """Is this a retrieval context a team could deploy (not the closed book, the whole knowledge, the oracle)?"""
    context = context_named(rag)
    return bool(context and context.kind == "RAG" and context.recommend)

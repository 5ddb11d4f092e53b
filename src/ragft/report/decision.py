"""The decision table as the report and results.json give it: the rows evaluate/decision.py decides (a need, the
approach measured best, the evidence, the numbers) and the recommendation written from them, naming each winner's
kind in the words of the question "fine-tune or RAG?"."""

from __future__ import annotations

from ragft.evaluate.context import context_named
from ragft.evaluate.decision import decision_rows, deployable
from ragft.report.numbers import pct
from ragft.studies.registry import studies


def decision_table(results: dict) -> dict:
    """{"rows": [{"need", "best", "evidence", "numbers"}], "recommendation"}."""
    results = deployable(results)
    rows = decision_rows(results)
    return {"rows": rows, "recommendation": recommendation(results, rows)}


def approaches(results: dict) -> dict[str, str]:
    """{name: kind} of what the studies compare besides the run's arms (the behaviour study's prompted arms)."""
    return {name: k for s in studies() if s.approaches for name, k in s.approaches(results).items()}


def kind(name: str, results: dict, studied: dict[str, str] | None = None) -> str:
    """What an arm or approach is, in the words of the question "fine-tune or RAG?" (`studied`: the studies'
    approaches, when the caller has them already)."""
    arm = (results.get("arms") or {}).get(name)
    studied = (approaches(results) if studied is None else studied).get(name)
    if arm is None and studied is not None:
        return studied
    if arm is not None:
        finetuned, rag = bool(arm.get("finetuned")), arm.get("rag")
    else:  # the lifecycle studies' own names: finetuned-continued, finetuned-retrained, context
        finetuned = name.startswith("finetuned") or name == "raft"
        rag = "full" if name == "context" else "grounded" if name == "raft" or "rag" in name else None
    if finetuned:
        return "fine-tuning + RAG" if rag else "fine-tuning"
    context = context_named(rag)
    return context.kind if context else "RAG"


def recommendation(results: dict, rows: list[dict]) -> str:
    """Which approach was best on the most needs, where the others won, and how far the accuracy verdict can
    be trusted: all from the rows."""
    if not rows:
        return "Nothing was measured in this run, so there is nothing to recommend."
    studied = approaches(results)
    won: dict[str, list[str]] = {}
    for row in rows:
        for k in dict.fromkeys(kind(w, results, studied) for w in row["numbers"]["winners"]):
            won.setdefault(k, []).append(row["need"].lower())
    out = []
    if won:
        most = max(len(needs) for needs in won.values())
        leaders = [k for k, needs in won.items() if len(needs) == most]
        out += [f"For this data, {k} was best (or tied best) on {_needs(won[k], len(rows))}." for k in leaders]
        others = [f"{k} on {_needs(needs)}" for k, needs in won.items() if k not in leaders]
        if others:
            out.append("Also best (or tied best): " + "; ".join(others) + ".")
    names = [*(results.get("arms") or {}), *studied]
    idle = [k for k in dict.fromkeys(kind(a, results, studied) for a in names) if k not in won]
    if idle:
        out.append(f"Best on none of them: {', '.join(idle)}.")
    open_needs = [row["need"].lower() for row in rows if not row["numbers"]["winners"]]
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


def _accuracy_caveat(rows: list[dict]) -> list[str]:
    row = next((r for r in rows if r["need"] == "Answer accurately from the knowledge"), None)
    if row is None:
        return []
    numbers = row["numbers"]
    top = numbers["winners"][0]
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

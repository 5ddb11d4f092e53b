"""The unknowns experiment: questions about entities that are not in the data (data/unknowns.py).

The right reply is to abstain; any other is invented. Per arm: abstention and invention rates on
those questions, and accuracy on the known facts beside them, so the idk fine-tune's trade (does
saying "I don't know" for strangers cost known facts?) is visible. Gekhman et al. (2024) found
fine-tuning on new knowledge raises hallucination: the base model's invention rate is compared
with each closed-book fine-tune's by an exact McNemar test on the same questions (Holm-corrected).
"""

from __future__ import annotations

from ragft.data.unknowns import UNKNOWN
from ragft.evaluate.abstention import abstains
from ragft.evaluate.paired import holm, paired_comparisons
from ragft.evaluate.records import rate
from ragft.rag.citations import without_citations


def unknowns_results(rows: list[dict], arms: list) -> dict:
    """Rates per arm from the run's records: those of split "unknown", and the known ones for accuracy."""
    per_arm, flagged = {}, []
    for arm in arms:
        asked = [r for r in rows if r["arm"] == arm.name and r["split"] == UNKNOWN]
        known = [r for r in rows if r["arm"] == arm.name and r["split"] != UNKNOWN]
        if not asked:
            continue
        said = [abstains(_answer(r)) for r in asked]
        per_arm[arm.name] = {
            "abstained": rate(said),
            "invented": rate([not s for s in said]),
            "known_accuracy": rate([r["correct"] for r in known]) if known else None,
            "known_abstained": rate([abstains(_answer(r)) for r in known]) if known else None,
        }
        flagged += [{**r, "invented": not s} for r, s in zip(asked, said)]
    closed = [a.name for a in arms if a.name in per_arm and a.rag is None]
    base = next((a.name for a in arms if a.name in per_arm and not a.finetuned and a.rag is None), None)
    return {
        "questions": max((a["abstained"]["n"] for a in per_arm.values()), default=0),
        "arms": per_arm,
        "invention_vs_base": _against_base(flagged, base, [n for n in closed if n != base]),
    }


def _against_base(flagged: list[dict], base: str | None, others: list[str], alpha: float = 0.05) -> list[dict]:
    """The base model against each closed-book fine-tune on invention, Holm-corrected over those pairs only."""
    if not base or not others:
        return []
    tests = [paired_comparisons(flagged, [base, other], key="invented")[0] for other in others]
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests])):
        test.update(
            p_holm=adjusted,
            significant=adjusted < alpha,
            better=(test["a"] if test["only_a"] < test["only_b"] else test["b"]) if adjusted < alpha else None,
        )
    return tests


def _answer(row: dict) -> str:
    return without_citations(row["answer"])

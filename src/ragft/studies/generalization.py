"""generalization: accuracy per probe family (the trained phrasing, held-out paraphrases, reversed questions) per
arm, the arms compared pairwise per family; for a mix of domains, each domain on its own too."""

from __future__ import annotations

from ragft.data.sources import mix_parts
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import family_metrics
from ragft.evaluate.results import Closed, Comparison, Rate, RunResults, comparison
from ragft.report.numbers import describe, pct, rate_cell
from ragft.report.plots import generalization_png
from ragft.report.section import Section
from ragft.studies.registry import Study, StudyInput

FAMILIES = {
    "train": "the phrasing the fine-tunes trained on",
    "paraphrase": "question templates never used in training",
    "reversed": "asks for the entity by a value only it has",
}
NOTE = (
    "Every fact is asked in the phrasing the fine-tunes trained on (train), in question templates never used in "
    "training (paraphrase), and backwards, for the entity by a value only it has (reversed). A fine-tune that "
    "learned the knowledge, not the strings, scores alike on all three; RAG reads the same passage whatever the "
    "phrasing."
)


class Result(Closed):
    families: dict[str, str]  # {family: what it asks}
    arms: dict[str, dict[str, Rate]]  # {arm: {family: accuracy}}
    comparisons: dict[str, list[Comparison]]  # {family: every pair of arms}
    domains: dict[str, dict[str, dict[str, Rate]]] | None = None  # a mix: {domain: {arm: {family: accuracy}}}


def generalization(rows: list[dict], arms: list, domains: list[str] | None = None) -> dict:
    """Accuracy per probe family per arm, and per family the arms compared pairwise (McNemar, Holm); for a
    mix of domains, the same per domain too (a probe's id starts with its domain's name)."""
    per_arm = {a.name: family_metrics([r for r in rows if r["arm"] == a.name]) or {} for a in arms}
    families = list(dict.fromkeys(f for fams in per_arm.values() for f in fams))
    names = [a.name for a in arms]
    out = {
        "families": {f: FAMILIES.get(f, f) for f in families},
        "arms": per_arm,
        "comparisons": {f: paired_comparisons([r for r in rows if r.get("family") == f], names) for f in families},
    }
    if domains:
        out["domains"] = {
            d: {
                a.name: family_metrics([r for r in rows if r["arm"] == a.name and r["id"].startswith(f"{d}:")]) or {}
                for a in arms
            }
            for d in domains
        }
    return out


def mixed_domains(data) -> list[str] | None:
    """The domains of a mixed source (people:2+cities:10), else None."""
    if not data.generated or "+" not in data.source:
        return None
    return [name for name, _ in mix_parts(data.source)]


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    return {"generalization": generalization(inp.known, inp.arms, mixed_domains(inp.config.data))}, []


def section(results: RunResults) -> Section | None:
    study: Result | None = results.study("generalization")
    if not study:
        return None
    families = list(study.families)
    headline = _headline(results, study.arms, study.comparisons.get("paraphrase", []))
    findings = list(headline)
    for arm, fams in study.arms.items():
        findings.append(f"{arm}: " + _family_shares(fams, families) + ".")
    for domain, per_arm in (study.domains or {}).items():  # a mix of domains: each one on its own
        said = _headline(results, per_arm, [])
        findings.append(
            f"In {domain} alone: "
            + (" ".join(said) if said else "no fine-tune was asked.")
            + " "
            + "; ".join(f"{arm} " + _family_shares(fams, families) for arm, fams in per_arm.items())
            + "."
        )
    rows = [[arm, *(rate_cell(fams.get(f)) for f in families)] for arm, fams in study.arms.items()]
    return Section("Generalization", findings, ["arm", *families], rows, NOTE, "generalization.png", headline)


def _family_shares(fams: dict[str, Rate], families: list[str]) -> str:
    """'100% train, 25% paraphrase'."""
    return ", ".join(f"{pct(fams[f].value)} {f}" for f in families if fams.get(f) and fams[f].n)


def _headline(results: RunResults, per: dict[str, dict[str, Rate]], paraphrase_tests: list[Comparison]) -> list[str]:
    """The contrasts a reader decides on: the best closed-book fine-tune against the best RAG arm on held-out
    paraphrases (the paired test's verdict), and how the fine-tunes do on reversed questions."""
    arms = results.arms

    def value(arm, family):
        r = (per.get(arm) or {}).get(family)
        return r.value if r else None

    closed = [a for a in per if a in arms and arms[a].finetuned and not arms[a].rag]
    retrieving = [a for a in per if a in arms and arms[a].rag and not arms[a].finetuned]
    out = []
    scored = [a for a in closed if value(a, "paraphrase") is not None]
    if scored:
        best = max(scored, key=lambda a: value(a, "paraphrase"))
        out.append(
            f"Best fine-tune on held-out paraphrases: {best}, {pct(value(best, 'paraphrase'))} "
            f"(on its trained phrasing {pct(value(best, 'train'))})."
        )
        rag = max(
            (a for a in retrieving if value(a, "paraphrase") is not None),
            key=lambda a: value(a, "paraphrase"),
            default=None,
        )
        pair = comparison(paraphrase_tests, best, rag)
        if pair:
            out.append(f"Held-out paraphrases: {describe(pair)}")
    reversed_ft = [value(a, "reversed") for a in closed if value(a, "reversed") is not None]
    reversed_rag = [value(a, "reversed") for a in retrieving if value(a, "reversed") is not None]
    if reversed_ft:
        out.append(
            f"Reversed questions: at most {pct(max(reversed_ft))} for any fine-tune"
            + (f", {pct(max(reversed_rag))} with retrieval." if reversed_rag else ".")
        )
    return out


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"generalization.png": generalization_png(results.study("generalization"))}


STUDY = Study(
    name="generalization",
    order=10,
    phase="records",
    probes=True,
    run=run,
    result=Result,
    section=section,
    charts=charts,
    summary="accuracy per probe family (trained phrasing, held-out paraphrases, reversed) per arm",
)

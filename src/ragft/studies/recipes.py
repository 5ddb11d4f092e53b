"""recipes: which way of fine-tuning on the documents got how far, at what cost (data/recipes/: chunks, renderings,
synthetic-qa, mixed, distilled). Each document recipe's fine-tune is scored closed book and with RAG, tested against
the `chunks` baseline and against RAG by exact McNemar tests on the same questions (Holm-corrected over the study's
tests), beside the tokens and seconds it cost. Computed from the run's records: the fine-tunes are the run's arms."""

from __future__ import annotations

from ragft.evaluate.arms import DEFAULT_VARIANT
from ragft.evaluate.paired import holm, paired_comparisons
from ragft.evaluate.records import rate
from ragft.evaluate.results import Closed, DecisionRow, Rate, RunResults
from ragft.report.decision import need_row
from ragft.report.numbers import DASH, count, has, pct, rate_cell, said, seconds
from ragft.report.recipe_plots import recipes_png
from ragft.report.section import Section
from ragft.studies.registry import Need, Study, StudyInput

NEED = "Fine-tune on our documents"
PUBLISHED = (
    "Published results found fine-tuning on documents competitive with RAG with 7–8B models trained on 10⁷–10⁸ "
    "synthetic tokens from a strong generator (Yang et al. 2025, arXiv 2409.07431; arXiv 2603.23562; Kujanpää et al. "
    "2024); raw chunks alone scored below the untouched model."
)
NOTE = (
    "Each fine-tune trained on the documents by one recipe, asked closed book and with RAG (the same retrieval as "
    "`rag`). p: exact McNemar on the questions both answered, Holm-corrected over this table's tests; 'vs chunks' "
    "compares closed-book accuracy with the raw-chunk baseline, '+rag vs rag' asks whether the fine-tune helps RAG. "
    "Tokens: training tokens over all epochs; data: seconds making the training data (the generator, the round-trip "
    "filter). " + PUBLISHED
)
ALPHA = 0.05


class Test(Closed):
    against: str
    n: int
    better_here: int  # questions only this arm answered right
    better_there: int
    p_value: float
    p_holm: float
    significant: bool


class Trained(Closed):
    recipe: str
    k: int
    examples: int | None
    train_tokens: int | None
    train_seconds: float | None
    data_seconds: float | None
    pairs_kept: int | None
    pairs_proposed: int | None
    generator: str | None
    closed: Rate | None
    rag: Rate | None
    vs_chunks: Test | None
    closed_vs_rag: Test | None  # the fine-tune alone against the untouched model with RAG
    rag_vs_rag: Test | None  # the fine-tune with RAG against the untouched model with RAG


class Result(Closed):
    baseline: str | None  # the fine-tune trained on the raw chunks
    base: Rate | None
    rag: Rate | None
    recipes: dict[str, Trained]


def _recipe_of(variant: str, summary: dict, train_kind: str) -> str | None:
    made = summary.get("data") or {}
    if made.get("recipe"):
        return made["recipe"]
    return "chunks" if variant == DEFAULT_VARIANT and train_kind == "documents" else None


def _arm_rate(rows: list[dict], arm: str | None) -> dict | None:
    mine = [r["correct"] for r in rows if r["arm"] == arm]
    return rate(mine) if mine else None


def run(inp: StudyInput) -> tuple[dict, list[dict]]:
    rows, arms = inp.known, inp.arms
    trained = {v: r for v, s in inp.finetunes.items() if (r := _recipe_of(v, s, inp.task.train_kind)) is not None}
    if not trained:
        return {}, []
    closed = {v: next((a.name for a in arms if a.variant == v and a.rag is None), None) for v in trained}
    with_rag = {v: next((a.name for a in arms if a.variant == v and a.rag == "grounded"), None) for v in trained}
    rag = next((a.name for a in arms if not a.finetuned and a.rag == "grounded"), None)
    base = next((a.name for a in arms if not a.finetuned and a.rag is None), None)
    baseline = next((v for v, r in trained.items() if r == "chunks"), None)
    pairs = {}  # (variant, test name) -> (this arm, the other)
    for v in trained:
        if baseline and v != baseline:
            pairs[(v, "vs_chunks")] = (closed[v], closed[baseline])
        pairs[(v, "closed_vs_rag")] = (closed[v], rag)
        pairs[(v, "rag_vs_rag")] = (with_rag[v], rag)
    tests = _tests({k: p for k, p in pairs.items() if None not in p}, rows)
    recipes = {}
    for v, name in trained.items():
        summary, made = inp.finetunes[v], inp.finetunes[v].get("data") or {}
        kept = (made.get("pairs") or {}).get("kept")
        recipes[v] = {
            "recipe": name,
            "k": made.get("k", 1),
            "examples": summary.get("examples"),
            "train_tokens": summary.get("train_tokens"),
            "train_seconds": summary.get("seconds"),
            "data_seconds": made.get("model_seconds", made.get("seconds")),
            "pairs_kept": kept,
            "pairs_proposed": (made.get("pairs") or {}).get("proposed"),
            "generator": (made.get("pairs") or {}).get("generator"),
            "closed": _arm_rate(rows, closed[v]),
            "rag": _arm_rate(rows, with_rag[v]),
            **{t: tests.get((v, t)) for t in ("vs_chunks", "closed_vs_rag", "rag_vs_rag")},
        }
    result = {"baseline": baseline, "base": _arm_rate(rows, base), "rag": _arm_rate(rows, rag), "recipes": recipes}
    return {"recipes": result}, []


def _tests(pairs: dict[tuple, tuple[str, str]], rows: list[dict]) -> dict[tuple, dict]:
    """Exact McNemar per pair of arms, Holm-corrected over all of them."""
    raw = {}
    for key, (a, b) in pairs.items():
        found = paired_comparisons(rows, [a, b]) if a != b else []
        if found:
            raw[key] = (b, found[0])
    adjusted = holm([c["p_value"] for _, c in raw.values()])
    return {
        key: {
            "against": b,
            "n": c["n"],
            "better_here": c["only_a"],
            "better_there": c["only_b"],
            "p_value": c["p_value"],
            "p_holm": p,
            "significant": p < ALPHA,
        }
        for (key, (b, c)), p in zip(raw.items(), adjusted)
    }


def _p(test: Test | None) -> str:
    if not test:
        return DASH
    sign = "+" if test.better_here > test.better_there else "−" if test.better_here < test.better_there else "="
    return f"{sign} p={test.p_holm:.2g}{' *' if test.significant else ''}"


def _called(test: Test) -> str:
    if not test.significant:
        return "no significant difference"
    return "significantly " + ("better" if test.better_here > test.better_there else "worse")


def best_recipe(found: Result) -> str | None:
    """The fine-tune with the highest closed-book accuracy (fewer training tokens first among equals)."""
    scored = {v: r for v, r in found.recipes.items() if has(r.closed)}
    if not scored:
        return None
    return max(scored, key=lambda v: (scored[v].closed.value, -(scored[v].train_tokens or 0)))


def section(results: RunResults) -> Section | None:
    found: Result | None = results.study("recipes")
    if not found or not found.recipes:
        return None
    recipes, top = found.recipes, best_recipe(found)
    headline = []
    if top:
        t = recipes[top]
        headline.append(
            f"Best recipe closed book: {top} ({t.recipe}, k={t.k}) {said(t.closed)}"
            + (f", chunks {said(recipes[found.baseline].closed)}" if found.baseline else "")
            + (f"; RAG {said(found.rag)}" if has(found.rag) else "")
            + "."
        )
        if t.vs_chunks:
            headline.append(
                f"Against the raw chunks: {_called(t.vs_chunks)} (p={t.vs_chunks.p_holm:.2g}, n={t.vs_chunks.n})."
            )
        if t.rag_vs_rag and has(t.rag):
            headline.append(
                f"{top} with RAG {said(t.rag)} against RAG alone {said(found.rag)}: {_called(t.rag_vs_rag)} "
                f"(p={t.rag_vs_rag.p_holm:.2g})."
            )
    findings = headline + [PUBLISHED]
    head = [
        "fine-tune",
        "recipe",
        "k",
        "closed book",
        "vs chunks",
        "vs rag",
        "+rag",
        "+rag vs rag",
        "examples",
        "train tokens",
        "data",
        "training",
        "pairs kept",
    ]
    rows = [
        [
            v,
            r.recipe,
            str(r.k),
            rate_cell(r.closed),
            _p(r.vs_chunks),
            _p(r.closed_vs_rag),
            rate_cell(r.rag),
            _p(r.rag_vs_rag),
            count(r.examples),
            count(r.train_tokens),
            seconds(r.data_seconds),
            seconds(r.train_seconds),
            f"{r.pairs_kept}/{r.pairs_proposed}" if r.pairs_kept is not None else DASH,
        ]
        for v, r in recipes.items()
    ]
    return Section("Fine-tuning on the documents: recipes", findings, head, rows, NOTE, "recipes.png", headline)


def need(results: RunResults) -> DecisionRow | None:
    """The best recipe closed book against RAG: a winner only where the paired test calls it."""
    found: Result | None = results.study("recipes")
    top = best_recipe(found) if found else None
    if top is None:
        return None
    t, rag = found.recipes[top], found.rag
    cost = f"{count(t.train_tokens)} training tokens, {seconds(t.train_seconds)} of training"
    if t.data_seconds:
        cost += f" and {seconds(t.data_seconds)} making its data"
    evidence = f"Best recipe {top} ({t.recipe}, k={t.k}) closed book {said(t.closed)} after {cost}"
    if t.vs_chunks:
        evidence += f"; the raw chunks {said(found.recipes[found.baseline].closed)} (p={t.vs_chunks.p_holm:.2g})"
    test = t.closed_vs_rag
    if has(rag):
        tokens = results.arms["rag"].mean_prompt_tokens if "rag" in results.arms else None
        evidence += f"; RAG {said(rag)}" + (f" at {tokens:,.0f} prompt tokens per question" if tokens else "")
        evidence += f" (p={test.p_holm:.2g})" if test else ""
    evidence += ". " + PUBLISHED
    if test and test.significant:
        winners = [top] if test.better_here > test.better_there else ["rag"]
    elif test and (t.closed.value or rag.value):
        winners = [top, "rag"]  # no difference the test can call
    else:
        winners = []
    if winners == ["rag"]:
        best = f"rag (best recipe: {top}, {pct(t.closed.value)} closed book)"
    else:
        best = " and ".join(winners) + (" (tied)" if len(winners) > 1 else "") if winners else "none: nothing answered"
    return need_row(
        NEED,
        best,
        evidence,
        winners,
        best_recipe=top,
        accuracy={v: r.closed.value for v, r in found.recipes.items() if has(r.closed)},
        rag=rag.value if has(rag) else None,
        train_tokens={v: r.train_tokens for v, r in found.recipes.items()},
    )


def charts(results: RunResults) -> dict[str, bytes | None]:
    return {"recipes.png": recipes_png(results.study("recipes"))}


STUDY = Study(
    name="recipes",
    order=35,
    phase="records",
    run=run,
    result=Result,
    section=section,
    charts=charts,
    needs=(Need(15, need),),
    summary="each fine-tuning recipe for documents closed book and with RAG, its cost, tested against chunks and RAG",
)

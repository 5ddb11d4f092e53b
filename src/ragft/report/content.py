"""What the report says, whatever it is rendered to: the verdict, the tables' rows, the notes (report/document.py
puts them in order; markdown.py and html.py render them, so the two never disagree)."""

from __future__ import annotations

import json
import re
from typing import Any

from ragft.evaluate.results import (
    ArmSummary,
    Comparison,
    DatasetInfo,
    Decision,
    FinetuneSummary,
    Misses,
    RunResults,
    comparison,
)
from ragft.report.decision import decision_table
from ragft.report.numbers import DASH, arm_kind, describe, pct, rate_cell
from ragft.report.studies import study_sections

METRICS_NOTE = (
    "Intervals are Wilson 95%. accuracy: the answer states the reference's value (handles 1,967,825 / "
    "1.97 million / numbers that are not the answer); seed metric: the blog post's rule, the first number "
    "after a space must equal the reference's."
)
COLUMNS = [
    "arm",
    "description",
    "accuracy",
    "seed metric",
    "retrieval hit rate",
    "mean prompt tokens",
    "mean completion tokens",
    "mean latency",
]


def num(x: Any, fmt: str = "{:.1f}", unit: str = "") -> str:
    return DASH if x is None else fmt.format(x) + unit


def scored(arm: ArmSummary) -> bool:
    """An arm with n=0 (or no accuracy) has no rate to report or compare."""
    return bool(arm.n) and arm.accuracy is not None


def rate(arm: ArmSummary, seed_metric: bool = False) -> str:
    """'87% [79.2%–92.3%] 87/100' for accuracy or the seed metric; '—' when n=0."""
    if seed_metric:
        acc, ci, correct = arm.accuracy_seed, arm.ci95_seed, arm.correct_seed
    else:
        acc, ci, correct = arm.accuracy, arm.ci95, arm.correct
    if not arm.n or acc is None:
        return DASH
    return f"{pct(acc)} [{pct(ci[0])}–{pct(ci[1])}] {correct}/{arm.n}"


def row(name: str, arm: ArmSummary) -> list[str]:
    """One results-table row, in COLUMNS order, as plain (unescaped) text."""
    return [
        name,
        arm.description,
        rate(arm),
        rate(arm, seed_metric=True),
        pct(arm.retrieval_hit_rate),
        num(arm.mean_prompt_tokens),
        num(arm.mean_completion_tokens),
        num(arm.mean_latency_s, "{:.2f}", " s"),
    ]


RETRIEVAL_COLUMNS = [
    "arm",
    "hit@1",
    "hit@k",
    "MRR",
    "wrong: not retrieved / misread / no gold",
    "citation accuracy",
    "answers citing a passage",
    "values chosen",
]
RETRIEVAL_NOTE = (
    "Retrieval is scored against each question's gold passage: hit@1 (ranked first), hit@k (among the k "
    "passages in the prompt), MRR (mean reciprocal rank, 0 when absent). A citation is correct when a "
    "sentence of the cited passage states the answer's value and names what the question asks about (the "
    "passage's section header counts as that sentence's context). Values chosen: answers that stated none"
    " of their passages' values of the asked kind (a price, a year, a name), replaced by the value the "
    "model found most likely among those the passages state (or, where they hold no value of a recognised"
    " kind, by the term among their spans it found most likely). Wrong answers are split by cause: the "
    "gold passage never reached the prompt (retrieval), it did and the model misread it (the reader), or "
    "no passage is known to state the answer. The oracle arms read each question's gold passages alone: "
    "the reader's ceiling, what perfect retrieval would score; they are never recommended. For a "
    "questions file that gives only answers, the gold passages are the chunks that state the reference."
)


def _misses_cell(m: Misses | None) -> str:
    if not m:
        return DASH
    return f"{m.not_retrieved} / {m.misread} / {m.no_gold} of {m.wrong}"


def retrieval_rows(arms: dict[str, ArmSummary]) -> list[list[str]]:
    """One row per RAG arm: retrieval quality against the gold passage, and citation accuracy."""
    rows = []
    for name, arm in arms.items():
        r = arm.retrieval
        if not r:
            continue
        cites = DASH if not arm.citations else f"{pct(arm.citation_accuracy)} of {arm.citations}"
        used = r.get("mean_passages")
        rows.append(
            [
                name,
                pct(r.get("hit@1")),
                f"{pct(r.get('hit@k'))} ({num(used, '{:.1f}')} passages)" if used is not None else pct(r.get("hit@k")),
                num(r.get("mrr"), "{:.3f}"),
                _misses_cell(arm.misses),
                cites,
                pct(arm.cited_answers),
                DASH if arm.values_chosen is None else f"{arm.values_chosen} of {arm.n}",
            ]
        )
    return rows


SCORING_COLUMNS = [
    "arm",
    "accuracy (verdict)",
    "exact match",
    "token F1",
    "LLM judge",
    "reader: gold passage in prompt",
]
SCORING_NOTE = (
    "Every metric on the same answers, with n and a 95% interval (Wilson; F1: normal approximation of "
    "the mean). The verdict uses accuracy. Exact match and F1 are SQuAD's (normalised text against the "
    "reference): strict for answers given as sentences. The LLM judge grades CORRECT/INCORRECT when "
    "--judge-model is set. Reader: accuracy on the questions whose gold passage was in the prompt, so a "
    "low value means the model misread, while a low hit@k means retrieval missed."
)


def scoring_rows(arms: dict[str, ArmSummary]) -> list[list[str]]:
    rows = []
    for name, arm in arms.items():
        f1 = arm.f1
        f1_cell = (
            DASH if f1 is None or f1.value is None else f"{f1.value:.3f} [{f1.ci95[0]:.3f}–{f1.ci95[1]:.3f}] n={f1.n}"
        )
        judge = arm.judge
        judge_cell = DASH
        if judge:
            judge_cell = rate_cell(judge.rate()) + (f" ({judge.unjudged} unjudged)" if judge.unjudged else "")
        rows.append([name, rate(arm), rate_cell(arm.exact_match), f1_cell, judge_cell, rate_cell(arm.reader)])
    return rows


PAIRED_COLUMNS = [
    "arms (a vs b)",
    "shared questions",
    "both right",
    "only a",
    "only b",
    "both wrong",
    "p (exact McNemar)",
    "p (Holm)",
    "verdict",
]
PAIRED_NOTE = (
    "Arms answer the same questions, so each pair is compared on its discordant questions (right in one "
    "arm, wrong in the other) with an exact McNemar test; p-values are Holm-corrected over all pairs, and "
    "a difference is called only where the corrected p < 0.05."
)


def paired_rows(results: RunResults) -> list[list[str]]:
    return [
        [
            f"{c.a} vs {c.b}",
            str(c.n),
            str(c.both),
            str(c.only_a),
            str(c.only_b),
            str(c.neither),
            f"{c.p_value:.3g}",
            f"{c.p_holm:.3g}",
            describe(c),
        ]
        for c in results.comparisons
    ]


def _compare(a: str, arm_a: ArmSummary, b: str, arm_b: ArmSummary, paired: Comparison | None = None) -> str:
    """The paired test's sentence where the run made one; else the difference in points, and whether
    the intervals overlap (overlap: not clearly beyond noise)."""
    if paired is not None:
        return describe(paired)
    d = 100 * (arm_a.accuracy - arm_b.accuracy)
    if abs(d) < 1e-9:
        s = f"{a} and {b} scored the same ({pct(arm_a.accuracy)})"
    else:
        (hi, ha), (lo, la) = ((a, arm_a), (b, arm_b)) if d > 0 else ((b, arm_b), (a, arm_a))
        s = f"{hi} beat {lo} by {abs(d):.1f} percentage points ({pct(ha.accuracy)} vs {pct(la.accuracy)})"
    ca, cb = arm_a.ci95, arm_b.ci95
    if ca and cb:
        overlap = ca[0] <= cb[1] and cb[0] <= ca[1]
        s += (
            "; their 95% intervals overlap, so the difference is not clearly beyond sampling noise"
            if overlap
            else "; their 95% intervals do not overlap"
        )
    return s + "."


def verdict(results: RunResults) -> str:
    """A plain-language paragraph stating only what the numbers say: best arm, base, fine-tuning vs RAG."""
    arms = results.arms
    ok = {k: a for k, a in arms.items() if scored(a)}
    if not ok:
        return "No arm scored any questions, so there is nothing to compare."
    top = max(a.accuracy for a in ok.values())
    best = [k for k, a in ok.items() if a.accuracy == top]
    b = ok[best[0]]
    if len(best) == 1:
        parts = [f"The best arm is {best[0]}, correct on {pct(top)} of questions ({b.correct}/{b.n})."]
    else:
        parts = [f"{', '.join(best)} tie for best, each correct on {pct(top)} of questions."]
    seed = {k: a.accuracy_seed for k, a in ok.items() if a.accuracy_seed is not None}
    seed_best = [k for k, v in seed.items() if v == max(seed.values(), default=None)]
    if seed_best and not set(seed_best) & set(best):
        parts.append(f"By the seed metric, {', '.join(seed_best)} comes first instead ({pct(seed[seed_best[0]])}).")
    if "base" in ok and best != ["base"]:
        parts.append(f"The untouched base model scored {pct(ok['base'].accuracy)}.")
    kinds = {k: arm_kind(a) for k, a in ok.items()}
    ft = next((k for k, v in kinds.items() if v == (True, False)), None)
    rags = [k for k, v in kinds.items() if v == (False, True)]
    rag = next((k for k in rags if ok[k].rag == "grounded"), rags[0] if rags else None)
    both = next((k for k, v in kinds.items() if v == (True, True)), None)
    if ft and rag:
        paired = comparison(results.comparisons, ft, rag)
        parts.append("Fine-tuning vs RAG: " + _compare(ft, ok[ft], rag, ok[rag], paired))
    elif not ft and not both:
        parts.append("No fine-tuned arm was scored, so fine-tuning cannot be compared with RAG here.")
    elif not rag and not both:
        parts.append("No RAG arm was scored, so RAG cannot be compared with fine-tuning here.")
    if both:
        parts.append(f"Fine-tuning and RAG together ({both}) scored {pct(ok[both].accuracy)}.")
    seed_rag = next((k for k in rags if ok[k].rag == "seed"), None)
    if seed_rag and rag and rag != seed_rag:
        parts.append(
            "Against the seed's RAG pipeline: "
            + _compare(rag, ok[rag], seed_rag, ok[seed_rag], comparison(results.comparisons, rag, seed_rag))
        )
    skipped = [k for k in arms if k not in ok]
    if skipped:
        parts.append(f"Not scored (no questions): {', '.join(skipped)}.")
    return " ".join(parts)


def dataset_text(ds: DatasetInfo) -> str:
    """Source, sizes, splits; says plainly when the test questions are the training questions."""
    splits = ds.splits
    s = (
        f"{ds.source}: {ds.questions} questions, {ds.passages} passages, {ds.conversations} conversations; splits: "
        + (", ".join(f"{k} {v}" for k, v in splits.items()) or DASH)
        + "."
    )
    if set(splits) == {"train"}:
        s += (
            " All questions are in the train split: as in the seed experiment, the test questions are the "
            "fine-tuning questions themselves, so this measures recall of trained facts, not answers to unseen "
            "questions."
        )
    if ds.train_kind == "documents":
        s += (
            " The fine-tuned arms were trained on the document chunks themselves (continued pre-training), not on "
            "questions: every test question is unseen in training (split test)."
        )
    without_gold = (ds.model_extra or {}).get("questions_without_gold")  # a questions file's (data/task.py)
    if without_gold:
        s += (
            f" {without_gold} question(s) have no gold passage (no chunk states the answer): "
            "retrieval metrics leave them out."
        )
    return s


def losses_of(ft: FinetuneSummary | None) -> list[float] | None:
    """The fine-tune's logged training losses (a local fine-tune's; a remote job has none)."""
    return (ft.model_extra or {}).get("losses") if ft else None


def finetune_rows(ft: FinetuneSummary) -> list[tuple[str, str]]:
    found = ft.model_dump()  # a remote job's keys beside the local ones
    keys = [
        ("method", "{}"),
        ("epochs", "{}"),
        ("learning_rate", "{:g}"),
        ("batch_size", "{}"),
        ("steps", "{}"),
        ("train_tokens", "{}"),
        ("final_loss", "{:.4g}"),
        ("seconds", "{:.1f}"),
    ]
    return [(k.replace("_", " "), num(found.get(k), f)) for k, f in keys]


def timing_rows(timings: dict) -> list[tuple[str, str, str]]:
    """(stage, seconds, share); 'total' last, or a sum of the (sequential) stages when no total was measured yet."""
    items = [(k, v) for k, v in timings.items() if k != "total" and v is not None]
    total = timings.get("total")
    label = "total"
    if total is None and items:
        total, label = sum(v for _, v in items), "sum of stages"
    rows = items + ([(label, total)] if total is not None else [])
    return [(k, num(v, "{:.1f}"), pct(v / total) if total else DASH) for k, v in rows]


def meta_line(results: RunResults) -> str:
    """Version, date, and the model actually loaded (name, source, device)."""
    m = results.model
    extra = ", ".join(x for x in (m.source, m.device) if x)
    return f"ragft {results.ragft_version} · created {results.created} · model {m.name}" + (
        f" ({extra})" if extra else ""
    )


def key_settings(config: dict) -> list[tuple[str, str]]:
    """The settings a reader needs (model, data source, preset, limit, fine-tune method/epochs/lr, rag k)."""
    wanted = {"model", "preset", "source", "limit", "method", "epochs", "learning_rate", "lr", "k", "top_k"}
    out: list[tuple[str, str]] = []

    def walk(d: Any, path: list[str]) -> None:
        for key, v in d.items():
            p = path + [str(key)]
            if isinstance(v, dict):
                walk(v, p)
            elif not isinstance(v, list) and (p[-1] in wanted or (p[0] == "model" and p[-1] in {"name", "id", "path"})):
                out.append((".".join(p), DASH if v is None else str(v)))

    walk(config or {}, [])
    return out


def config_json(config: dict) -> str:
    return json.dumps(config or {}, indent=2, ensure_ascii=False, default=str)


def examples(records: list[dict], arm: str, k: int = 5) -> list[dict]:
    """Up to k answers: wrong ones first (up to 3, more if too few correct), then correct ones."""
    rs = [r for r in records if r.get("arm") == arm]
    wrong, right = [r for r in rs if not r.get("correct")], [r for r in rs if r.get("correct")]
    n_wrong = min(len(wrong), max(3, k - len(right)))
    return wrong[:n_wrong] + right[: k - n_wrong]


def example_arms(results: RunResults, records: list[dict]) -> list[str]:
    names = list(results.arms)
    return names + [a for a in dict.fromkeys(r.get("arm") for r in records) if a and a not in names]


DECISION_TITLE = "Decision table: need → best approach"
DECISION_COLUMNS = ["need", "best approach", "measured evidence"]


def decision(results: RunResults) -> Decision:
    """The run's decision table, or one computed from its results."""
    return results.decision or decision_table(results)


def decision_rows(table: Decision) -> list[list[str]]:
    return [[r.need, r.best, r.evidence] for r in table.rows]


def slug(title: str) -> str:
    """The anchor GitHub (and report.html) gives a heading."""
    return re.sub(r"[^\w\- ]", "", title.lower()).strip().replace(" ", "-")


def findings(results: RunResults) -> list[str]:
    """The studies' findings, for the top of the report (each section repeats its own)."""
    return [f"{s.title}: {f}" for s in study_sections(results) for f in s.headlines]

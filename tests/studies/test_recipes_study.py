"""The recipes study from records alone: each document fine-tune closed book and with RAG, its paired tests against
the raw chunks and RAG, its cost, the report section and the decision row (no model: the records are made here)."""

from types import SimpleNamespace

from ragft.evaluate.arms import parse_arm
from ragft.evaluate.paired import paired_comparisons
from ragft.studies.recipes import Result, best_recipe
from ragft.studies.registry import StudyInput, get
from tests.results_factory import run_results

N = 30
RIGHT = {"base": 0, "rag": 27, "chunks": 0, "chunks+rag": 26, "qa": 12, "qa+rag": 27}
KINDS = {"chunks": "chunks", "qa": "synthetic-qa"}


def _inputs():
    arms = [parse_arm(a, {**KINDS}) for a in RIGHT]
    rows = [{"arm": a, "id": f"q{i}", "split": "test", "correct": i < n} for a, n in RIGHT.items() for i in range(N)]
    finetunes = {
        "chunks": {"examples": 90, "train_tokens": 9000, "seconds": 30.0, "data": {"recipe": "chunks", "k": 1}},
        "qa": {
            "examples": 60,
            "train_tokens": 4000,
            "seconds": 12.0,
            "data": {"recipe": "synthetic-qa", "k": 3, "model_seconds": 20.5, "pairs": {"kept": 60, "proposed": 200}},
        },
    }
    lab = SimpleNamespace(arms=arms, config=None)
    return StudyInput(lab, SimpleNamespace(train_kind="documents"), rows=rows, finetunes=finetunes), rows


def test_each_recipe_is_scored_tested_and_costed():
    inp, rows = _inputs()
    found, extra = get("recipes").run(inp)
    result = Result.model_validate(found["recipes"])  # the typed result the runner checks
    assert extra == [] and result.baseline == "chunks" and result.rag.correct == 27
    qa = result.recipes["qa"]
    assert (qa.closed.correct, qa.rag.correct, qa.k, qa.pairs_kept, qa.data_seconds) == (12, 27, 3, 60, 20.5)
    # 12 right where the chunks got none: a paired test calls it (Holm over the study's five tests)
    assert qa.vs_chunks.against == "chunks" and qa.vs_chunks.better_here == 12 and qa.vs_chunks.significant
    raw = next(c for c in paired_comparisons(rows, ["qa", "chunks"]))
    assert qa.vs_chunks.p_value == raw["p_value"] and qa.vs_chunks.p_holm >= raw["p_value"]
    assert qa.closed_vs_rag.better_there == 15 and qa.closed_vs_rag.significant
    assert not qa.rag_vs_rag.significant and result.recipes["chunks"].vs_chunks is None
    assert best_recipe(result) == "qa"


def test_section_and_decision_row_say_which_recipe_got_how_far():
    inp, _ = _inputs()
    found, _ = get("recipes").run(inp)
    results = run_results({"experiments": found, "arms": {"rag": {"mean_prompt_tokens": 351.0}}})
    study = get("recipes")
    section = study.section(results)
    assert section.findings[0].startswith("Best recipe closed book: qa (synthetic-qa, k=3) 40% (12/30)")
    assert "significantly better" in section.findings[1]
    assert (
        section.findings[2] == "qa with RAG 90% (27/30) against RAG alone 90% (27/30): no significant difference (p=1)."
    )
    assert [r[0] for r in section.rows] == ["chunks", "qa"] and section.rows[1][-1] == "60/200"
    (need,) = study.needs
    row = need.row(results).model_dump()
    assert row["need"] == "Fine-tune on our documents" and row["numbers"]["winners"] == ["rag"]
    assert row["best"] == "rag (best recipe: qa, 40% closed book)"
    assert "351 prompt tokens per question" in row["evidence"] and "7–8B models" in row["evidence"]
    assert study.charts(results)["recipes.png"].startswith(b"\x89PNG")


def test_a_run_without_document_recipes_has_no_section():
    inp, _ = _inputs()
    inp.finetunes = {"finetuned": {"examples": 10}}
    inp.task = SimpleNamespace(train_kind="qa")
    assert get("recipes").run(inp) == ({}, [])

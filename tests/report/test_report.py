"""The report stage: files exist, numbers appear in both reports, LLM text is escaped, edge cases do not crash."""

from __future__ import annotations

import base64
import copy
import re

from ragft.report.write import render_reports
from tests.results_factory import run_results

XSS = "<script>alert(1)</script>"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _arm(desc, correct, n, ci, correct_seed, ci_seed, hit=None, finetuned=False):
    retrieval = (
        {"hit@1": 0.875, "hit@k": hit, "mrr": 0.9123, "k": 5, "mean_passages": 4.5, "n": n} if hit is not None else None
    )
    return {
        "description": desc,
        "finetuned": finetuned,
        "rag": "grounded" if hit is not None else None,
        "retrieval": retrieval,
        "citation_accuracy": 0.75 if hit is not None else None,
        "citations": 8 if hit is not None else None,
        "cited_answers": 1.0 if hit is not None else None,
        "accuracy": correct / n if n else None,
        "n": n,
        "correct": correct,
        "ci95": ci,
        "accuracy_seed": correct_seed / n if n else None,
        "correct_seed": correct_seed,
        "ci95_seed": ci_seed,
        "retrieval_hit_rate": hit,
        "mean_prompt_tokens": 61.0,
        "mean_completion_tokens": 14.2,
        "mean_latency_s": 0.21,
    }


def _results(finetune=True):
    return {
        "ragft_version": "0.1.0",
        "run_name": "seed-20261121-080000",
        "created": "2026-11-21T08:00:00",
        "config": {
            "preset": "seed",
            "model": "smollm2-135m-instruct",
            "arms": ["base", "finetuned", "rag"],
            "limit": None,
            "data": {"source": "cities", "n": 8, "seed": 42},
            "finetune": {"method": "full", "epochs": "auto", "learning_rate": None},
            "rag": {"k": 5},
            "prompts": {"rag": "QUESTION: {question} CONTEXT: {context}"},
        },
        "dataset": {
            "source": "cities (n=8, seed=42)",
            "conversations": 8,
            "questions": 8,
            "passages": 8,
            "train_kind": "facts",
            "splits": {"train": 8},
        },
        "arms": {
            "base": _arm("untouched model", 1, 8, [0.022, 0.471], 0, [0.0, 0.324]),
            "finetuned": _arm("fine-tuned model", 3, 8, [0.137, 0.694], 2, [0.071, 0.591], finetuned=True),
            "rag": _arm("base model + retrieval", 7, 8, [0.529, 0.978], 6, [0.409, 0.929], hit=0.95),
        },
        "finetune": {
            "method": "full",
            "epochs": 3,
            "learning_rate": 5e-05,
            "batch_size": 8,
            "steps": 3,
            "train_tokens": 1200,
            "final_loss": 0.41,
            "seconds": 8.2,
            "losses": [2.1, 1.5, 0.41],
        }
        if finetune
        else None,
        "model": {"name": "smollm2-135m-instruct", "source": "HuggingFaceTB/SmolLM2-135M-Instruct", "device": "cpu"},
        "timings": {"load_model": 1.2, "index": 3.1, "generate:base": 2.0, "total": 16.0},
    }


def _records(results):
    rows = []
    for arm, a in results["arms"].items():
        for i in range(a["n"]):
            ok = i < a["correct"]
            answer = XSS if (arm == "rag" and not ok) else f"City_{i} has about {1000 + i if ok else 7} inhabitants."
            rows.append(
                {
                    "arm": arm,
                    "id": f"q{i}",
                    "split": "train",
                    "question": f"What is the population of City_{i}?",
                    "reference": f"City_{i} has about {1000 + i} inhabitants.",
                    "answer": answer,
                    "correct": ok,
                    "correct_seed": ok,
                    "retrieved_ids": ["a1"] if arm == "rag" else None,
                    "retrieval_hit": True if arm == "rag" else None,
                    "prompt_tokens": 60,
                    "completion_tokens": 14,
                    "latency_s": 0.2,
                }
            )
    return rows


def _render(tmp_path, results):
    paths = render_reports(run_results(results), _records(results), tmp_path)
    md, html, png = (tmp_path / n for n in ("report.md", "report.html", "accuracy.png"))
    assert paths == [md, html, png]
    assert all(p.is_file() for p in paths)
    return md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8"), png.read_bytes()


def test_files_numbers_and_verdict(tmp_path):
    md, html, png = _render(tmp_path, _results())
    assert png.startswith(PNG_MAGIC)
    for text in (md, html):
        for pct, frac in [("12.5%", "1/8"), ("37.5%", "3/8"), ("87.5%", "7/8"), ("75%", "6/8")]:
            assert pct in text and frac in text
        assert "seed-20261121-080000" in text
        assert "95%" in text and "Wilson" in text
    verdict = re.search(r'<p class="verdict">(.*?)</p>', html, re.S).group(1)
    assert "rag" in verdict and "87.5%" in verdict
    assert "The best arm is rag" in md
    assert "fine-tuning questions themselves" in md
    assert "Fine-tuning" in md and "5e-05" in md
    for setting in ("- model: smollm2-135m-instruct", "- data.source: cities", "- rag.k: 5", "- limit: —"):
        assert setting in md


def test_html_self_contained_and_escaped(tmp_path):
    md, html, _ = _render(tmp_path, _results())
    uris = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(uris) == 2  # accuracy chart + loss curve
    assert base64.b64decode(uris[0]) == (tmp_path / "accuracy.png").read_bytes()
    assert not re.search(r'(src|href)\s*=\s*["\']?https?://', html)
    assert "http://" not in html and "https://" not in html
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert XSS not in md


def test_examples_wrong_first(tmp_path):
    md, _, _ = _render(tmp_path, _results())
    rag_section = md.split("### rag")[1].split("##")[0]
    marks = re.findall(r"^- ([✓✗])", rag_section, re.M)
    assert marks == ["✗", "✓", "✓", "✓", "✓"]


def test_no_finetune_and_empty_arm(tmp_path):
    results = _results(finetune=False)
    del results["arms"]["finetuned"]
    results["arms"]["empty"] = _arm("never ran", 0, 0, [0.0, 0.0], 0, [0.0, 0.0])
    md, html, png = _render(tmp_path, results)
    assert png.startswith(PNG_MAGIC)
    assert "## Fine-tuning" not in md and "<h2>Fine-tuning</h2>" not in html
    assert "| empty | never ran | — | — |" in md
    assert "No fine-tuned arm" in md
    assert html.count("data:image/png;base64,") == 1


def test_timings_without_total(tmp_path):
    results = _results()
    results["timings"] = {"load_model": 1.0, "generate:base": 3.0}
    md, html, _ = _render(tmp_path, results)
    assert "| sum of stages | 4.0 | 100% |" in md and "| generate:base | 3.0 | 75% |" in md
    assert "HuggingFaceTB/SmolLM2-135M-Instruct" in md and "HuggingFaceTB/SmolLM2-135M-Instruct" in html


def test_no_scored_arms(tmp_path):
    results = _results(finetune=False)
    results["arms"] = {"base": _arm("untouched", 0, 0, [0.0, 0.0], 0, [0.0, 0.0])}
    md, _, png = _render(tmp_path, results)
    assert "nothing to compare" in md and png.startswith(PNG_MAGIC)


def test_png_deterministic(tmp_path):
    results = _results()
    render_reports(run_results(results), [], tmp_path / "a")
    render_reports(run_results(copy.deepcopy(results)), [], tmp_path / "b")
    assert (tmp_path / "a" / "accuracy.png").read_bytes() == (tmp_path / "b" / "accuracy.png").read_bytes()
    assert not list((tmp_path / "a").glob(".*.tmp"))


def test_retrieval_and_citations_table(tmp_path):
    results = _results()
    render_reports(run_results(results), _records(results), tmp_path)
    for name in ("report.md", "report.html"):
        text = (tmp_path / name).read_text()
        assert "Retrieval and citations" in text
        assert "87.5%" in text and "0.912" in text and "75% of 8" in text and "(4.5 passages)" in text
    del results["arms"]["rag"]
    render_reports(run_results(results), _records(results), tmp_path)
    assert "Retrieval and citations" not in (tmp_path / "report.md").read_text()


def test_paired_comparisons_table_and_verdict(tmp_path):
    from ragft.evaluate.paired import paired_comparisons

    results = _results()
    results["comparisons"] = paired_comparisons(_records(results), list(results["arms"]))
    md, html, _ = _render(tmp_path, results)
    for text in (md, html):
        assert "Paired comparisons" in text and "McNemar" in text and "Holm" in text
        assert "finetuned vs rag" in text
    # 3/8 vs 7/8 on 8 questions: 4 discordant, exact p = 0.125: the verdict calls no difference
    assert "Fine-tuning vs RAG: no significant difference between finetuned and rag on 8 shared questions" in md
    assert "intervals" not in md.split("## Verdict")[1].split("## Results")[0]


def test_contents_link_every_section(tmp_path):
    md, html, _ = _render(tmp_path, _results())
    sections = re.findall(r"^## (.+)$", md, re.M)
    assert sections[0] == "Contents" and "Verdict" in sections and "Costs and timings" in sections
    for title in sections[1:]:
        anchor = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")  # GitHub's heading anchors
        assert f"- [{title}](#{anchor})" in md
        assert f'<h2 id="{anchor}">' in html and f'<a href="#{anchor}">' in html


def test_an_llm_judges_accuracy_is_in_the_scoring_table(tmp_path):
    results = _results()
    judged = {"correct": 5, "n": 7, "unjudged": 1, "accuracy": 5 / 7, "ci95": [0.36, 0.92], "value": 5 / 7}
    results["arms"]["rag"]["judge"] = judged  # as evaluate/records.py's judge_metrics writes it
    md, html, _ = _render(tmp_path, results)
    scoring = md.split("## Scoring")[1].split("##")[0]
    rag = next(line for line in scoring.splitlines() if line.startswith("| rag |"))
    assert "71.4% [36%–92%] 5/7 (1 unjudged)" in rag and "71.4% [36%–92%] 5/7 (1 unjudged)" in html

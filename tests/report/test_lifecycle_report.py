"""The lifecycle studies' report sections (update, deletion, unknowns, long_context, raft): built from a real
run's results (fixtures/lifecycle_results.json, trimmed), findings that follow the numbers, plots that decode,
missing pieces that do not crash, and the decision table as the reports' last section."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from ragft.report.content import DECISION_TITLE
from ragft.report.studies import study_pngs, study_sections
from ragft.report.write import render_reports
from ragft.studies.deletion import section as deletion_section
from ragft.studies.long_context import section as long_context_section
from ragft.studies.raft import section as raft_section
from ragft.studies.unknowns import section as unknowns_section
from ragft.studies.update import section as update_section
from tests.report.test_browser import BROWSER, _probe
from tests.results_factory import run_results

FIXTURE = Path(__file__).parent / "fixtures" / "lifecycle_results.json"
TITLES = ["Updating knowledge", "Deleting knowledge", "Unknowns", "Long context", "RAFT"]


def sample() -> dict:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _rate(correct: int, n: int) -> dict:
    from ragft.evaluate.metrics import wilson_interval

    return {"value": correct / n, "correct": correct, "n": n, "ci95": list(wilson_interval(correct, n))}


def _text(section) -> str:
    return " ".join(section.findings)


def _decodes(png: bytes) -> tuple[int, ...]:
    import matplotlib.image

    return matplotlib.image.imread(io.BytesIO(png), format="png").shape


def test_sections_tables_and_plots_from_a_real_run():
    results = run_results(sample())
    sections = study_sections(results)
    assert [s.title for s in sections] == TITLES
    pngs = study_pngs(results)
    for section in sections:
        assert section.findings and section.note and section.headlines
        assert all(len(row) == len(section.head) for row in section.rows), section.title
        height, width, _ = _decodes(pngs[section.image])
        assert width > height > 100
    notes = " ".join(s.note for s in sections)
    assert "Gekhman et al. (2024)" in notes and "Zhang et al. 2024" in notes and "context window" in notes


def _retrained_learns(results):
    approach = results["experiments"]["update"]["approaches"]["finetuned-retrained"]
    approach["after"]["changed"], approach["update_seconds"] = _rate(1, 1), 125.0


def _finetune_knew_the_deleted_fact(results):
    results["experiments"]["deletion"]["arms"]["finetuned"]["before"] = _rate(1, 1)


def _idk_abstains(results):
    study = results["experiments"]["unknowns"]
    study["arms"]["idk"]["invented"], study["arms"]["idk"]["abstained"] = _rate(0, 5), _rate(5, 5)
    test = next(c for c in study["invention_vs_base"] if c["b"] == "idk")
    test.update(only_a=5, both=0, accuracy_b=0.0, p_value=0.0625, p_holm=0.04, significant=True, better="idk")


def _raft_fails(results):
    from ragft.evaluate.paired import paired_comparisons

    rows = [
        {"arm": arm, "id": f"q{i}", "correct": arm != "raft" or i < 1}
        for arm in ("raft", "finetuned+rag", "rag")
        for i in range(30)
    ]
    study = results["experiments"]["raft"]
    study["arms"]["raft"] = _rate(1, 30)
    study["comparisons"] = paired_comparisons(rows, ["raft", "finetuned+rag", "rag"])


FOLLOW = {  # section: (said from the sample, a change to its numbers, said after it, no longer said)
    "update": (
        update_section,
        [
            "1 of 8 facts changed",
            "rag 100% (1/1), 0.042 s",
            "finetuned 0% (0/1), not updated",
            "finetuned-retrained 0% (0/1), 6.9 s, 19 examples, 864 tokens",
            "old value stated: rag 100% (1/1)",
        ],  # before RAG's update, it read the old passage
        _retrained_learns,
        ["finetuned-retrained 100% (1/1), 125 s"],
        ["finetuned-retrained 0% (0/1), 6.9 s"],
    ),
    "deletion": (
        deletion_section,
        [
            "1 of 8 facts deleted",
            "rag 100% (1/1) before, 0% (0/1) after deleting (0.042 s)",
            "finetuned stated none of the deleted facts even before",
        ],
        _finetune_knew_the_deleted_fact,
        ["finetuned 100% (1/1) before, 0% (0/1) after deleting (6.9 s)"],
        ["stated none"],
    ),
    "unknowns": (
        unknowns_section,
        [
            "Every arm invented an answer to 100% of the 5 questions",
            "No significant difference in invention between base and idk",
        ],
        _idk_abstains,
        ["idk invented answers to the fewest (0%)", "idk invents significantly less than base"],
        ["Every arm"],
    ),
    "raft": (
        raft_section,
        [
            "Accuracy: raft 100% (8/8), finetuned+rag 100% (8/8), rag 100% (8/8).",
            "No significant difference between raft and rag",
            "raft trained on 20 examples (2,755 tokens",
        ],
        _raft_fails,
        ["raft 3.3% (1/30)", "rag beats raft on 30 shared questions"],
        ["raft 100% (8/8)"],
    ),
}


@pytest.mark.parametrize("study", FOLLOW)
def test_findings_follow_the_numbers(study):
    make, before, change, after, gone = FOLLOW[study]
    results = sample()
    text = _text(make(run_results(results)))
    assert [s for s in before if s not in text] == [], text
    change(results)
    text = _text(make(run_results(results)))
    assert [s for s in after if s not in text] == [] and [s for s in gone if s in text] == [], text


def test_long_context_findings_misfits_and_skipped_sizes():
    results = sample()
    text = _text(long_context_section(run_results(results)))
    assert text.startswith(
        "Largest knowledge that fit the prompt: 30 facts (513 tokens, window 8,192): context 50% (2/4)"
    )
    assert "rag 100% (4/4)" in text and "210 → 514 prompt tokens" in text
    sizes = results["experiments"]["long_context"]["sizes"]
    sizes += [
        {
            "facts": 100,
            "questions": 4,
            "context_tokens": 9000,
            "fits": False,
            "arms": {"rag": {"accuracy": _rate(3, 4), "mean_prompt_tokens": 330.0, "mean_latency_s": 0.6}},
        },
        {"facts": 300, "skipped": "the data has 20 facts"},
    ]
    sizes[1]["arms"]["context"]["accuracy"] = _rate(4, 4)
    section = long_context_section(run_results(results))
    text = _text(section)
    assert "30 facts (513 tokens, window 8,192): context 100% (4/4)" in text
    assert "Did not fit the 8,192-token window (asked with RAG only): 100 facts (9,000 tokens)" in text
    assert "Not run with 300 facts: the data has 20 facts." in text
    rows = {row[0]: row for row in section.rows}
    assert rows["100"][3] == "no" and rows["100"][4] == "—" and rows["100"][6].startswith("75%")
    assert rows["300"][3] == "skipped: the data has 20 facts"
    assert study_pngs(run_results(results))["long_context.png"]


def test_missing_pieces_do_not_crash(tmp_path):
    results = sample()
    edits = {"fraction": 0.1, "facts": 8, "finetune": "finetuned", "examples": []}
    nothing = {"value": None, "correct": 0, "n": 0, "ci95": [0, 0]}
    results["experiments"] = {  # studies that ran but measured little or nothing
        "update": {
            **edits,
            "changed": 1,
            "unchanged_asked": 0,
            "retrained_with_deletions": False,
            "approaches": {
                "rag": {"how": "upsert", "update_seconds": 0.1, "before": {}, "after": {"changed": _rate(1, 2)}},
                "finetuned": {"how": "none", "update_seconds": 0.0, "before": {}, "after": {}},
            },
        },
        "deletion": {**edits, "deleted": 1, "arms": {"base": {"how": "none", "before": None}}},
        "unknowns": {"questions": 0, "arms": {}, "invention_vs_base": []},
        "long_context": {"window": None, "sizes": [{"facts": 10, "skipped": "the data has 4 facts"}]},
        "raft": {"arms": {"raft": nothing}, "comparisons": [], "training": {}},
    }
    results = run_results(results)
    sections = {s.title: s for s in study_sections(results)}
    assert set(sections) == {"Updating knowledge", "Long context"}
    assert sections["Long context"].rows == [["10", "—", "—", "skipped: the data has 4 facts"]]
    assert "Not run with 10 facts" in _text(sections["Long context"])
    pngs = study_pngs(results)
    assert set(pngs) == {"update.png"}
    render_reports(results, [], tmp_path)
    assert "## Updating knowledge" in (tmp_path / "report.md").read_text(encoding="utf-8")
    results.experiments = {}
    assert study_sections(results) == [] and study_pngs(results) == {}


def test_reports_show_the_sections_and_end_with_the_decision_table(tmp_path):
    results = sample()
    render_reports(run_results(results), [], tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    for name in ("update.png", "deletion.png", "unknowns.png", "long_context.png", "raft.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG") and f"]({name})" in md
    md_titles = re.findall(r"^## (.+)$", md, re.M)
    html_titles = re.findall(r'<h2 id="[^"]*">(.+?)</h2>', html)
    assert md_titles[-1] == DECISION_TITLE and html_titles[-1] == DECISION_TITLE
    assert all(t in md_titles and t in html_titles for t in TITLES)
    last_md = md.split(f"## {DECISION_TITLE}")[1]
    assert "| need | best approach | measured evidence |" in last_md
    assert "| Keep the knowledge up to date | rag |" in last_md and "**Recommendation:** For this data, RAG" in last_md
    last_html = html.split(DECISION_TITLE + "</h2>")[1]
    assert "<th>measured evidence</th>" in last_html and '<p class="verdict">Recommendation: For this data' in last_html
    assert html.count("data:image/png;base64,") == 1 + 5  # accuracy chart + the five lifecycle plots


def test_stored_decision_is_rendered_as_stored(tmp_path):
    results = sample()
    results["decision"] = {
        "rows": [
            {
                "need": "Answer accurately",
                "best": "stored-arm",
                "evidence": "stored: 1/1.",
                "numbers": {"winners": ["stored-arm"]},
            }
        ],
        "recommendation": "Stored advice.",
    }
    render_reports(run_results(results), [], tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| Answer accurately | stored-arm | stored: 1/1. |" in md and "**Recommendation:** Stored advice." in md


@pytest.mark.skipif(BROWSER is None, reason="no headless chromium installed (apt install chromium)")
def test_lifecycle_report_in_a_real_browser(tmp_path):
    results = sample()
    results["experiments"]["long_context"]["sizes"].append({"facts": 300, "skipped": "the data has 20 facts"})
    render_reports(run_results(results), [], tmp_path)
    probe = _probe(tmp_path / "report.html", tmp_path)
    assert len(probe["images"]) == 6 and all(i["ok"] for i in probe["images"]), probe["images"]
    assert all(t["width"] <= t["page"] for t in probe["tables"]), probe["tables"]

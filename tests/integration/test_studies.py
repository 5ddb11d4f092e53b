"""The studies and the lifecycle with the real SmolLM2-135M: the study-quick preset end to end."""

import json

import pytest
from typer.testing import CliRunner

from ragft.cli import app

pytestmark = pytest.mark.integration


def test_study_quick_reports_every_study(tmp_path, real_home):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--preset", "study-quick", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    studies = results["experiments"]
    assert set(studies) == {
        "generalization",
        "augmentation",
        "learning_curve",
        "update",
        "deletion",
        "unknowns",
        "long_context",
        "raft",
    }
    general = studies["generalization"]
    assert set(general["arms"]) == {"base", "rag", "context", "finetuned", "finetuned+rag", "k3", "lora", "raft", "idk"}
    assert all(set(fams) == {"train", "paraphrase", "reversed"} for fams in general["arms"].values())
    assert set(general["domains"]) == {"people", "cities"}  # one knowledge base of two domains, each reported
    assert all(general["domains"][d]["rag"]["train"]["n"] > 0 for d in ("people", "cities"))
    # RAG reads the same passage whatever the phrasing; the untouched model cannot know invented people
    # (on this slice the 135M reader misreads 2 of 12 paraphrases with the right passage first: 10/12 here)
    assert results["arms"]["rag"]["retrieval"]["hit@1"] >= 0.9
    assert general["arms"]["rag"]["paraphrase"]["value"] >= 0.75 and general["arms"]["base"]["train"]["value"] <= 0.1
    assert [(p["method"], p["k"]) for p in studies["augmentation"]["points"]] == [("full", 1), ("full", 3), ("lora", 1)]
    curves = studies["learning_curve"]["finetunes"]
    assert set(curves) == {"finetuned", "lora"} and [p["epoch"] for p in curves["finetuned"]["points"]] == [0, 2]
    assert set(results["finetunes"]) == {"finetuned", "k3", "lora", "raft", "idk"}
    # The lifecycle: RAG takes an update at once; questions about a stranger are declined by grounded RAG
    update = studies["update"]["approaches"]
    assert update["rag"]["after"]["changed"]["value"] == 1.0 and update["rag"]["after"]["stale"]["value"] == 0.0
    assert update["rag"]["update_seconds"] < update["finetuned-retrained"]["update_seconds"]
    assert studies["deletion"]["arms"]["rag"]["after"]["value"] == 0.0
    assert studies["unknowns"]["arms"]["rag"]["abstained"]["value"] == 1.0
    assert [s["facts"] for s in studies["long_context"]["sizes"]] == [10, 30]
    assert set(studies["raft"]["arms"]) == {"raft", "finetuned+rag", "rag"}
    assert [row["need"] for row in results["decision"]["rows"]][0] == "Answer accurately from the knowledge"
    for variant in results["finetunes"]:
        assert (out / "finetuned" / variant / "ragft_model.json").is_file()
    report = (out / "report.md").read_text()
    for section, png in (
        ("Generalization", "generalization.png"),
        ("Augmentation", "augmentation.png"),
        ("Learning curve", "learning_curve.png"),
    ):  # and the lifecycle's below
        assert f"## {section}" in report and f"]({png})" in report
        assert (out / png).read_bytes().startswith(b"\x89PNG")
    assert "## Findings" in report and "## Paired comparisons" in report
    for png in ("update.png", "deletion.png", "unknowns.png", "long_context.png", "raft.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG") and f"]({png})" in report
    assert report.rindex("## Decision table") > report.index("## Paired comparisons")

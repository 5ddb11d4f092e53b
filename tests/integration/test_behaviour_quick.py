"""The behaviour experiment with the real SmolLM2-135M: the behaviour-quick preset end to end."""

import json

import pytest
from typer.testing import CliRunner

from ragft.cli import app

pytestmark = pytest.mark.integration


def test_behaviour_quick_measures_style_costs_and_joins_the_decision_table(tmp_path, real_home):
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", "--preset", "behaviour-quick", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    found = results["experiments"]["behaviour"]
    arms = found["arms"]
    assert list(arms) == ["zero-shot", "few-shot", "finetuned", "finetuned+instructions"]
    assert all(arm["all_rules"]["n"] == 10 for arm in arms.values())
    # The lecture's claim, on replies to requests never trained on: 24 steps of fine-tuning hold the house
    # style that the long instructions do not get the 135M model to hold (the fine-tune held 6/10 on such a slice)
    assert arms["finetuned"]["all_rules"]["value"] >= 0.4, arms["finetuned"]
    assert arms["finetuned"]["all_rules"]["value"] > arms["zero-shot"]["all_rules"]["value"]
    assert arms["finetuned"]["rules"]["greeting"]["value"] >= 0.8
    assert arms["finetuned"]["mean_prompt_tokens"] * 5 < arms["zero-shot"]["mean_prompt_tokens"]
    assert found["training"]["finetuned"]["method"] == "full"
    assert [b["against"] for b in found["break_even"]] == ["zero-shot", "few-shot"]
    needs = [row["need"] for row in results["decision"]["rows"]]
    assert needs[0] == "Answer accurately from the knowledge" and "Hold a house style (tone, what to ask)" in needs
    report = (out / "report.md").read_text()
    assert "## Behaviour: a house style by prompting or fine-tuning" in report and "](behaviour.png)" in report
    assert (out / "behaviour.png").read_bytes().startswith(b"\x89PNG")

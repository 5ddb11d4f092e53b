"""The LLM judge against the real `ragft serve`: structure only (SmolLM2-135M is no grader)."""

import pytest

from ragft.evaluate.judge import JudgeSettings, judge_answers, judge_summary, parse_verdict

ITEMS = [
    ("What does the Lumen X2 cost?", "640 euros", "The Lumen X2 costs 640 euros."),
    ("Where is Nordvik headquartered?", "Oulu", "Nordvik is headquartered in Espoo."),
]


@pytest.mark.integration  # the real SmolLM2 behind gpt-3.5-turbo; its first request in a session loads it (~1 min)
def test_judge_answers_through_the_server(server):
    settings = JudgeSettings("gpt-3.5-turbo", base_url=server.base_url, concurrency=2)
    verdicts = judge_answers(settings, ITEMS)
    assert len(verdicts) == len(ITEMS)
    for (question, gold, predicted), verdict in zip(ITEMS, verdicts):  # in input order
        content = verdict.prompt[0]["content"]
        assert question in content and f"Gold answer: {gold}" in content and f"Predicted answer: {predicted}" in content
        assert verdict.error is None and isinstance(verdict.reply, str)
        assert verdict.correct is parse_verdict(verdict.reply)
    summary = judge_summary(verdicts)
    assert summary["n"] + summary["unjudged"] == len(ITEMS)
    assert summary["correct"] == sum(v.correct is True for v in verdicts)


def test_a_failing_request_leaves_its_item_unjudged_and_the_run_goes_on(server):
    # The endpoint is reachable but knows no such model: every item fails alone, nothing raises.
    verdicts = judge_answers(JudgeSettings("gpt-17", base_url=server.base_url, max_retries=0), ITEMS)
    assert [v.correct for v in verdicts] == [None, None]
    assert all(v.error and "404" in v.error and "\n" not in v.error and v.reply == "" for v in verdicts)
    assert judge_summary(verdicts)["unjudged"] == 2


def test_run_with_a_judge_stores_each_verdict_and_its_prompt(server, tmp_path, tiny_model_dir):
    import json

    from typer.testing import CliRunner

    from ragft.cli import app

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "shop.md").write_text("# Shop\n\nThe X2 lamp costs 5 euros.\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "How much is the X2 lamp?", "answer": "5 euros"}\n')
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--docs",
            str(docs),
            "--questions",
            str(questions),
            "--arms",
            "base,rag",
            "--model",
            str(tiny_model_dir),
            "--judge-model",
            "tiny",
            "--judge-url",
            server.base_url,
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    for arm in ("base", "rag"):
        judge = results["arms"][arm]["judge"]
        assert judge["n"] + judge["unjudged"] == 1
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    for r in records:
        assert "Gold answer: 5 euros" in r["judge"]["prompt"][0]["content"]
        assert r["judge"]["correct"] is parse_verdict(r["judge"]["reply"])
    assert results["config"]["judge"]["model"] == "tiny" and "LLM judge" in (out / "report.md").read_text()

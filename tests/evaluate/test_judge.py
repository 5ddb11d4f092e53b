"""The LLM judge without a model: reply parsing, the prompt, the summary, and an unreachable endpoint."""

import time

import pytest

from ragft.errors import RagftError
from ragft.evaluate.judge import (
    JUDGE_PROMPT,
    JudgeSettings,
    Verdict,
    judge_answers,
    judge_messages,
    judge_summary,
    parse_verdict,
)


@pytest.mark.parametrize(
    "reply, correct",
    [
        ("CORRECT", True),
        ("correct", True),
        ("Incorrect.", False),
        ("INCORRECT", False),  # never read as CORRECT
        ("correct - the answer states 640 euros", True),
        ("The answer is INCORRECT, not correct", False),  # the first verdict word decides
        ("Grade: **Correct**", True),
        ("incorrectly", None),  # whole words only
        ("uncorrected", None),
        ("640 euros", None),
        ("", None),
    ],
)
def test_parse_verdict(reply, correct):
    assert parse_verdict(reply) is correct


def test_judge_messages_carry_question_gold_and_predicted():
    [message] = judge_messages("What does the Lumen X2 cost?", "640 euros", "The Lumen X2 costs 640 euros.")
    assert message["role"] == "user"
    for part in (
        "What does the Lumen X2 cost?",
        "Gold answer: 640 euros",
        "Predicted answer: The Lumen X2 costs 640 euros.",
        "CORRECT or INCORRECT",
    ):
        assert part in message["content"]
    assert "{" not in JUDGE_PROMPT.format(question="q", gold="g", predicted="p")


def test_judge_summary_counts_and_interval():
    verdicts = [
        Verdict(True, "CORRECT", []),
        Verdict(False, "INCORRECT", []),
        Verdict(True, "correct", []),
        Verdict(None, "maybe", []),
        Verdict(None, "", [], "HTTP 500: boom"),
    ]
    summary = judge_summary(verdicts)
    assert summary["correct"] == 2 and summary["n"] == 3 and summary["unjudged"] == 2
    assert summary["accuracy"] == pytest.approx(2 / 3)
    low, high = summary["ci95"]
    assert 0 < low < 2 / 3 < high < 1
    assert judge_summary([Verdict(None, "", [])]) == {
        "correct": 0,
        "n": 0,
        "unjudged": 1,
        "accuracy": None,
        "ci95": (0.0, 1.0),
    }


def test_no_items_need_no_endpoint():
    assert judge_answers(JudgeSettings("m", base_url="http://127.0.0.1:9/v1"), []) == []


def test_unreachable_endpoint_raises_one_line_fast():
    settings = JudgeSettings("m", base_url="http://127.0.0.1:9/v1", timeout_s=2, max_retries=0)  # port 9: closed
    began = time.monotonic()
    with pytest.raises(RagftError) as err:
        judge_answers(settings, [("q", "g", "a"), ("q2", "g2", "a2")])
    assert time.monotonic() - began < 10
    message = str(err.value)
    assert "\n" not in message and message.startswith("judge endpoint http://127.0.0.1:9/v1 unreachable: ")

"""The behaviour experiment end to end with a tiny model: arms, rules, costs, fine-tunes, records and report."""

import json

import pytest

from ragft.config import load_config
from ragft.data.behaviour import BehaviourTask, Request, load_behaviour
from ragft.errors import RagftError
from ragft.evaluate.behaviour import BehaviourArm, break_even, few_shot_examples
from ragft.evaluate.runner import Experiment
from ragft.evaluate.study_config import BEHAVIOUR_ARMS
from ragft.evaluate.style import Style
from ragft.studies.behaviour import approaches

ARMS = ["zero-shot", "few-shot", "finetuned", "lora", "finetuned+instructions"]


def _config(tiny_model_dir, **behaviour):
    return load_config(
        None,
        overrides={
            "model": str(tiny_model_dir),
            "data.source": "cities",
            "data.n": 10,
            "arms": ["base"],
            "generation.max_new_tokens": 4,
            "experiments": ["behaviour"],
            "behaviour": {
                "n": 14,
                "test_n": 6,
                "format": "json",
                "arms": ARMS,
                "shots": 2,
                "max_new_tokens": 8,
                "latency_requests": 2,
                "finetune": {"epochs": 1, "batch_size": 8},
                **behaviour,
            },
        },
    )


@pytest.fixture(scope="module")
def run(tmp_path_factory, tiny_model_dir):
    return Experiment(_config(tiny_model_dir), tmp_path_factory.mktemp("behaviour")).run()


def test_every_arm_is_scored_on_every_held_out_request(run):
    found = run.results.as_dict()["experiments"]["behaviour"]
    assert list(found["arms"]) == ARMS and found["task"]["test"] == 6 and found["task"]["train"] == 14
    rows = [json.loads(line) for line in (run.run_dir / "experiments.jsonl").read_text().splitlines()]
    mine = [r for r in rows if r.get("experiment") == "behaviour"]
    assert len(mine) == 6 * len(ARMS) and all(set(r["rules"]) == set(found["rules"]) for r in mine)
    for name, arm in found["arms"].items():
        assert arm["all_rules"]["n"] == 6 and set(arm["rules"]) == set(found["rules"]) and arm["schema"]["n"] == 6
        assert arm["all_rules"]["correct"] == sum(r["all_rules"] for r in mine if r["arm"] == name)
        assert arm["latency_s"]["n"] == 2 and arm["latency_s"]["median"] > 0
    pairs = len(ARMS) * (len(ARMS) - 1) // 2
    assert len(found["comparisons"]["all_rules"]) == len(found["comparisons"]["schema"]) == pairs


def test_prompts_are_what_each_arm_says(run):
    arms = run.results.as_dict()["experiments"]["behaviour"]["arms"]
    tokens = {name: arm["mean_prompt_tokens"] for name, arm in arms.items()}
    # the long instructions cost prompt tokens; the fine-tune's one-line prompt is the shortest
    assert tokens["finetuned"] == tokens["lora"] < tokens["few-shot"]
    assert tokens["finetuned"] < tokens["zero-shot"] == tokens["finetuned+instructions"]


def test_both_fine_tunes_train_on_the_style_and_are_saved_apart(run):
    found = run.results.as_dict()["experiments"]["behaviour"]
    assert {m: t["method"] for m, t in found["training"].items()} == {"finetuned": "full", "lora": "lora"}
    assert all(t["examples"] == 14 and t["train_tokens"] > 0 for t in found["training"].values())
    assert (run.run_dir / "behaviour" / "finetuned" / "config.json").exists()
    assert (run.run_dir / "behaviour" / "lora" / "adapter_config.json").exists()
    against = {(b["finetuned"], b["against"]) for b in found["break_even"]}
    assert against == {(f, p) for f in ("finetuned", "lora") for p in ("zero-shot", "few-shot")}


def test_report_and_decision_table_carry_the_behaviour(run):
    report = (run.run_dir / "report.md").read_text()
    assert "Behaviour: a house style by prompting or fine-tuning" in report and (run.run_dir / "behaviour.png").exists()
    needs = [row["need"] for row in run.results.as_dict()["decision"]["rows"]]
    assert "Hold a house style (tone, what to ask)" in needs and "Hold an output format (JSON)" in needs
    assert "Short prompts (cost and latency per request)" in needs
    assert "Answer accurately from the knowledge" in needs  # the knowledge half, joined


def test_arm_messages():
    task = BehaviourTask(
        "t",
        [
            {
                "messages": [
                    {"role": "system", "content": "S"},
                    {"role": "user", "content": f"q{i}"},
                    {"role": "assistant", "content": f"a{i}"},
                ]
            }
            for i in range(3)
        ],
        [Request("r0", [{"role": "user", "content": "Q"}], "A")],
        None,
        "LONG",
        "S",
    )
    request = task.test[0]
    assert BehaviourArm.parse("zero-shot").messages(task, task.train[:2], request) == [
        {"role": "system", "content": "LONG"},
        {"role": "user", "content": "Q"},
    ]
    shots = BehaviourArm.parse("few-shot").messages(task, task.train[:2], request)
    assert [m["content"] for m in shots] == ["S", "q0", "a0", "q1", "a1", "Q"]
    assert BehaviourArm.parse("lora+instructions") == BehaviourArm("lora+instructions", "lora", True, False)
    assert {BehaviourArm.parse(a).model for a in BEHAVIOUR_ARMS} == {"untouched", "finetuned", "lora"}


def test_few_shot_examples_show_different_identifiers(tiny_model_dir):
    config = _config(tiny_model_dir).behaviour
    task = load_behaviour(config)
    style = Style.from_config(task.style)
    chosen = few_shot_examples(task, 4, 0, style)
    asked = [frozenset(style.named(json.loads(c["messages"][-1]["content"])["reply"])) for c in chosen]
    assert len(chosen) == 4 and len(set(asked)) == 4


def test_break_even():
    arms = {
        "zero-shot": {
            "model": "untouched",
            "instructions": True,
            "mean_prompt_tokens": 310.0,
            "latency_s": {"median": 1.5},
        },
        "finetuned": {
            "model": "finetuned",
            "instructions": False,
            "mean_prompt_tokens": 10.0,
            "latency_s": {"median": 2.0},
        },
        "finetuned+instructions": {
            "model": "finetuned",
            "instructions": True,
            "mean_prompt_tokens": 310.0,
            "latency_s": {"median": 1.5},
        },
    }
    (b,) = break_even(arms, {"finetuned": {"train_tokens": 1000, "seconds": 50.0}})
    assert b["requests_by_tokens"] == 10 and b["prompt_tokens_saved"] == 300  # 3 x 1000 / 300
    assert b["requests_by_seconds"] is None and b["seconds_saved"] == -0.5  # slower per request: never repaid


def _own_data(tmp_path, n=12):
    lines = [
        {
            "messages": [
                {"role": "system", "content": "You are Acme's helper."},
                {"role": "user", "content": f"Problem number {i}?"},
                {"role": "assistant", "content": f"Ticket {i} opened. Thanks."},
            ]
        }
        for i in range(n)
    ]
    path = tmp_path / "own.jsonl"
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    return path


def test_own_data_holds_out_a_share_and_keeps_its_system_prompt(tmp_path, tiny_model_dir):
    path = _own_data(tmp_path)
    config = _config(
        tiny_model_dir,
        source=str(path),
        style={"required": ["ticket"], "max_words": 8},
        instructions="Open a ticket and say thanks.",
        test_share=0.25,
    ).behaviour
    task = load_behaviour(config)
    assert len(task.test) == 3 and len(task.train) == 9 and task.system == "You are Acme's helper."
    asked = {r.dialog[-1]["content"] for r in task.test}
    assert not asked & {c["messages"][1]["content"] for c in task.train}
    assert set(Style.from_config(task.style).rules()) == {"required", "words"}


def test_own_data_errors_name_the_problem(tmp_path, tiny_model_dir):
    with pytest.raises(RagftError, match="behaviour: a chat JSONL source needs style"):
        _config(tiny_model_dir, source=str(_own_data(tmp_path)))
    with pytest.raises(RagftError, match="need instructions"):
        _config(tiny_model_dir, source=str(_own_data(tmp_path)), style={"max_words": 5})
    config = _config(
        tiny_model_dir, source=str(_own_data(tmp_path, 1)), style={"max_words": 5}, arms=["finetuned"]
    ).behaviour
    with pytest.raises(RagftError, match="none to train on"):
        load_behaviour(config)
    missing = _config(
        tiny_model_dir, source=str(tmp_path / "nope.jsonl"), style={"max_words": 5}, arms=["finetuned"]
    ).behaviour
    with pytest.raises(RagftError, match="nope.jsonl"):
        load_behaviour(missing)


BOUNDED = {  # the support replies' keys, bounded so a random model's reply ends inside the token limit
    "type": "object",
    "properties": {
        "intent": {"enum": ["order_status", "refund", "change_address"]},
        "reply": {"type": "string", "maxLength": 12},
        "needs_id": {"enum": ["order_number", "email_address", None]},
    },
    "required": ["intent", "reply", "needs_id"],
    "additionalProperties": False,
}


def test_constrained_arms_hold_the_shape_whatever_the_words(tmp_path, tiny_model_dir):
    arms = ["few-shot", "constrained", "finetuned+constrained"]
    config = _config(tiny_model_dir, arms=arms, max_new_tokens=96, reply_schema=BOUNDED, latency_requests=1)
    results = Experiment(config, tmp_path / "run").run().results
    found = results.study("behaviour")
    assert found.task.reply_schema == BOUNDED and found.task.grammar_ms > 0
    for name in ("constrained", "finetuned+constrained"):
        arm = found.arms[name]
        assert arm.constrained and arm.schema_.correct == arm.schema_.n == 6, name  # every reply the right object
    assert not found.arms["few-shot"].constrained and found.arms["few-shot"].schema_.correct < 6
    assert approaches(results) == {
        "few-shot": "prompting",
        "constrained": "constrained decoding",
        "finetuned+constrained": "fine-tuning + constrained decoding",
    }
    assert "Decoded under the schema" in (tmp_path / "run" / "report.md").read_text()


def test_the_reply_schema_is_read_from_the_training_replies():
    from ragft.evaluate.behaviour import reply_schema

    replies = ['{"intent": "refund", "needs_id": null}', '{"intent": "refund", "needs_id": "email_address"}', "hi"]
    task = BehaviourTask(
        "t", [{"messages": [{"role": "assistant", "content": r}]} for r in replies], [], None, None, ""
    )
    schema = reply_schema(task, Style(json_keys=("intent", "needs_id", "score")))
    assert schema["properties"] == {"intent": {"type": "string"}, "needs_id": {"type": ["null", "string"]}, "score": {}}
    assert schema["required"] == ["intent", "needs_id", "score"] and schema["additionalProperties"] is False


def test_constrained_arms_need_json_replies(tiny_model_dir):
    with pytest.raises(RagftError, match="constrained decode under the replies' JSON schema: they need JSON"):
        _config(tiny_model_dir, format="text", arms=["few-shot", "constrained"])

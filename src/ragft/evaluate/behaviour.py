"""The behaviour experiment: is a house style (tone, format, what to ask for) held better by prompting the untouched
model, or by fine-tuning it, and what does each cost per request?

Arms (config.BEHAVIOUR_ARMS): zero-shot (the long instructions as system prompt), few-shot (the one-line system
prompt and `shots` worked examples as earlier turns), finetuned / lora (trained on the style, asked with the
one-line system prompt), any of them +instructions (the long instructions as system prompt), and constrained (the
untouched model, the one-line prompt) or any of them +constrained: decoded under the replies' JSON schema, so the
shape is guaranteed and only the words are the model's. Every reply to a
held-out request is scored per style rule (evaluate/style.py); arms are compared on "all rules at once" (and, for
JSON, on a valid object with the right keys) by exact McNemar tests, Holm-corrected. Latency is timed one request
at a time; the fine-tune's training is repaid after the number of requests whose saved prompt costs as much.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import time
from dataclasses import dataclass, replace

from ragft.data.behaviour import BehaviourTask, Request, load_behaviour
from ragft.evaluate.paired import paired_comparisons
from ragft.evaluate.records import rate
from ragft.evaluate.style import Style
from ragft.models.generation import GenerationSettings
from ragft.models.grammar import compile_json_schema

UNTOUCHED = "untouched"
# A training step costs about three forward passes per token (forward, and a backward twice as costly):
# the token cost model that converts training tokens into prompt tokens of the same compute.
TRAIN_TOKEN_COST = 3
NOTE = (
    "Each arm answers the same held-out requests (user messages from templates and slot values never trained "
    "on). A reply is checked against each rule of the style; 'all rules' needs every one at once. Prompt tokens "
    "and latency are per request, latency timed one request at a time with nothing cached between requests; "
    "training cost is the fine-tune's wall time and the tokens it processed. Requests to repay: training "
    "tokens x3 (forward and backward) over the prompt tokens a request saves, and training seconds over the "
    "seconds a request saves. Arms are compared by exact McNemar tests on the same requests (Holm-corrected). "
    "+constrained arms decode under the replies' JSON schema: only tokens that keep the reply valid may be picked, "
    "so only the token limit can break the shape; the words (and the rules on them) are still the model's."
)


@dataclass(frozen=True)
class BehaviourArm:
    name: str
    model: str  # UNTOUCHED, "finetuned" (full) or "lora"
    instructions: bool  # the long instructions as system prompt (else the one-line one)
    shots: bool  # worked examples as earlier turns
    constrained: bool = False  # decoded under the reply's JSON schema

    @classmethod
    def parse(cls, name: str) -> BehaviourArm:
        base, _, plus = name.partition("+")
        constrained = base == "constrained" or plus == "constrained"
        if base in ("zero-shot", "few-shot", "constrained"):
            return cls(name, UNTOUCHED, base == "zero-shot" or plus == "instructions", base == "few-shot", constrained)
        return cls(name, base, plus == "instructions", False, constrained)

    def messages(self, task: BehaviourTask, examples: list[dict], request: Request) -> list[dict]:
        system = task.instructions if self.instructions else task.system
        shown = [m for conv in examples for m in conv["messages"] if m["role"] != "system"] if self.shots else []
        return [{"role": "system", "content": system}, *shown, *request.dialog]


def few_shot_examples(task: BehaviourTask, k: int, seed: int, style: Style) -> list[dict]:
    """k training conversations, drawn with the seed; where the style names identifiers, examples asking for
    different ones first (the prompt then shows as many of the style's cases as it can)."""
    pool = list(task.train)
    random.Random(seed).shuffle(pool)
    chosen, seen = [], set()
    for conv in pool:
        asked = frozenset(style.named(conv["messages"][-1]["content"])) if style.identifiers else frozenset()
        if asked not in seen:
            chosen.append(conv)
            seen.add(asked)
        if len(chosen) == k:
            return chosen
    return chosen + [c for c in pool if c not in chosen][: k - len(chosen)]


def reply_schema(task: BehaviourTask, style: Style) -> dict:
    """The replies' JSON schema as the training replies show it: an object with exactly the style's keys, each typed
    as its values are (a key seen as a string and as null may be either)."""
    kinds: dict[str, set[str]] = {key: set() for key in style.json_keys}
    names = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null", list: "array"}
    for conv in task.train:
        try:
            found = json.loads(conv["messages"][-1]["content"])
        except ValueError:
            continue
        for key in kinds:
            if isinstance(found, dict) and key in found:
                kinds[key].add(names.get(type(found[key]), "object"))
    properties = {key: {"type": sorted(k)[0] if len(k) == 1 else sorted(k)} if k else {} for key, k in kinds.items()}
    return {"type": "object", "properties": properties, "required": list(kinds), "additionalProperties": False}


def score(style: Style, arm: str, request: Request, completion) -> dict:
    rules = style.check(completion.text, request.reference)
    row = {
        "experiment": "behaviour",
        "arm": arm,
        "id": request.id,
        "split": "test",
        "reply": completion.text,
        "reference": request.reference,
        "rules": rules,
        "all_rules": all(rules.values()),
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "latency_s": round(completion.latency_s, 4),
    }
    if "json" in rules:
        row["schema"] = rules["json"] and rules["keys"]
    return row


def arm_metrics(rows: list[dict], style: Style, latencies: list[float], arm: BehaviourArm) -> dict:
    out = {
        "model": arm.model,
        "instructions": arm.instructions,
        "shots": arm.shots,
        "constrained": arm.constrained,
        "prompt": ("the instructions" if arm.instructions else "a one-line system prompt")
        + (" + worked examples" if arm.shots else "")
        + (", decoded under the schema" if arm.constrained else ""),
        "n": len(rows),
        "rules": {rule: rate([r["rules"][rule] for r in rows]) for rule in style.rules()},
        "all_rules": rate([r["all_rules"] for r in rows]),
        "mean_prompt_tokens": round(statistics.fmean(r["prompt_tokens"] for r in rows), 1),
        "mean_completion_tokens": round(statistics.fmean(r["completion_tokens"] for r in rows), 1),
        "batched_seconds_per_request": round(statistics.fmean(r["latency_s"] for r in rows), 4),
        "latency_s": {
            "median": round(statistics.median(latencies), 4),
            "mean": round(statistics.fmean(latencies), 4),
            "n": len(latencies),
        },
    }
    if style.json_keys:
        out["schema"] = rate([r["schema"] for r in rows])
    return out


def break_even(arms: dict[str, dict], training: dict[str, dict]) -> list[dict]:
    """For each fine-tune asked with the one-line prompt, against each prompting arm: after how many requests its
    training has cost no more than the prompt tokens (and seconds) the shorter prompt saved (None: never, the
    fine-tune's requests are no cheaper)."""
    out = []
    for ft_name, ft in arms.items():
        if ft["model"] not in training or ft["instructions"]:
            continue
        trained = training[ft["model"]]
        for name, other in arms.items():
            if other["model"] != UNTOUCHED:
                continue
            tokens_saved = other["mean_prompt_tokens"] - ft["mean_prompt_tokens"]
            seconds_saved = other["latency_s"]["median"] - ft["latency_s"]["median"]
            out.append(
                {
                    "finetuned": ft_name,
                    "against": name,
                    "prompt_tokens_saved": round(tokens_saved, 1),
                    "training_tokens": trained["train_tokens"],
                    "training_seconds": trained["seconds"],
                    "requests_by_tokens": math.ceil(TRAIN_TOKEN_COST * trained["train_tokens"] / tokens_saved)
                    if tokens_saved > 0
                    else None,
                    "seconds_saved": round(seconds_saved, 4),
                    "requests_by_seconds": math.ceil(trained["seconds"] / seconds_saved) if seconds_saved > 0 else None,
                }
            )
    return out


def grammar_ms(schema: dict, repeat: int = 5) -> float:
    """Milliseconds to compile the schema into a grammar: what a request with a new schema pays once."""
    began = time.perf_counter()
    for _ in range(repeat):
        compile_json_schema(schema)
    return round(1000 * (time.perf_counter() - began) / repeat, 3)


def behaviour(lab) -> tuple[dict, list[dict]]:
    """Run the experiment `lab.config.behaviour` describes; returns (results, per-request records)."""
    config = lab.config.behaviour
    task = load_behaviour(config)
    style = Style.from_config(task.style)
    examples = few_shot_examples(task, config.shots, config.seed, style)
    arms = [BehaviourArm.parse(a) for a in config.arms]
    settings = GenerationSettings(config.max_new_tokens, lab.config.generation.batch_size)
    schema = (config.reply_schema or reply_schema(task, style)) if any(a.constrained for a in arms) else None
    constrained = replace(settings, json_schema=json.dumps(schema)) if schema else settings
    lab.reporter.log(
        f"behaviour: {len(task.train)} training conversations, {len(task.test)} held-out requests "
        f"from {task.description}"
    )
    rows: list[dict] = []
    metrics: dict[str, dict] = {}
    training: dict[str, dict] = {}
    for model_kind in dict.fromkeys(a.model for a in arms):
        if model_kind == UNTOUCHED:
            chat = lab.models.untouched_chat()
        else:
            recipe = config.finetune.model_copy(update={"method": "full" if model_kind == "finetuned" else "lora"})
            chat, result = lab.models.train(None, task.train, model_kind, recipe=recipe, folder="behaviour")
            training[model_kind] = {k: result[k] for k in ("method", "epochs", "examples", "train_tokens", "seconds")}
        for arm in (a for a in arms if a.model == model_kind):
            prompts = [arm.messages(task, examples, r) for r in task.test]
            asked = constrained if arm.constrained else settings
            with lab.reporter.bar(f"behaviour: {arm.name}", len(prompts)) as advance:
                completions = chat.complete(prompts, asked, advance)
            mine = [score(style, arm.name, r, c) for r, c in zip(task.test, completions)]
            alone = replace(asked, batch_size=1)
            timed = [chat.complete([p], alone)[0].latency_s for p in prompts[: config.latency_requests]]
            metrics[arm.name] = arm_metrics(mine, style, timed, arm)
            rows += mine
        chat = None  # frees a fine-tune before the next one trains
    names = [a.name for a in arms]
    metrics = {name: metrics[name] for name in names}  # the configured order, not the training order
    comparisons = {"all_rules": paired_comparisons(rows, names, key="all_rules")}
    if style.json_keys:
        comparisons["schema"] = paired_comparisons(rows, names, key="schema")
    results = {
        "task": {
            "source": task.description,
            "train": len(task.train),
            "test": len(task.test),
            "system": task.system,
            "instructions": task.instructions,
            "shots": len(examples),
            "instructions_tokens": lab.models.prompt_tokens([{"role": "system", "content": task.instructions}])
            if task.instructions
            else None,
            **({"reply_schema": schema, "grammar_ms": grammar_ms(schema)} if schema else {}),
        },
        "rules": style.rules(),
        "note": NOTE,
        "arms": metrics,
        "training": training,
        "comparisons": comparisons,
        "break_even": break_even(metrics, training),
    }
    return results, rows

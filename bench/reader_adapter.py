"""Does a reader adapter help? A LoRA teaching SmolLM2-135M to read (RAFT-style), measured on unseen documents.

Issue 24's question: train a LoRA on grounded prompts (a question, its gold passage among distractors ->
the short answer copied from the passage, cited) using only knowledge that is not any test set's: generated
people and organisations, and generated technical documentation (packages with functions, flags,
environment variables, versions, extras, files, classes, commands — terms in code spans, as READMEs write
them). Then answer every evaluation set's questions with the `rag` arm's retrieval and selection, once with
the untouched model (its worked examples) and once with the adapter (asked as it was trained: without the
worked examples, or with them under `--worked`); value and span choice run for both. `--oracle` adds both
models reading the gold passage alone (the reader's ceiling).

    python -m bench.reader_adapter [--sets readmes-1,readmes-2,museum,library] [--examples 1000]
                                   [--epochs 1] [--lr 2e-4] [--worked] [--oracle]
                                   [--out bench/out/reader_adapter.json]

Every figure is one greedy run, fp32; training is seeded, so the same arguments give the same numbers.
Measured (docs/reading-documents.md): the adapter does not win, so it is not an arm of `ragft run`.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

VERBS = [
    "load",
    "read",
    "write",
    "parse",
    "dump",
    "fetch",
    "merge",
    "split",
    "watch",
    "render",
    "validate",
    "encode",
    "decode",
    "sync",
    "retry",
    "flush",
    "close",
    "open",
    "scan",
    "compress",
    "sign",
    "cache",
    "stream",
    "export",
    "import",
    "patch",
    "reset",
    "list",
    "sort",
    "filter",
]
NOUNS = [
    "config",
    "settings",
    "file",
    "record",
    "batch",
    "token",
    "session",
    "schema",
    "frame",
    "event",
    "queue",
    "table",
    "path",
    "key",
    "value",
    "row",
    "job",
    "plugin",
    "hook",
    "request",
    "response",
    "header",
    "cookie",
    "worker",
    "thread",
    "socket",
    "buffer",
    "image",
    "model",
    "adapter",
]
SYLLABLES = [
    "zor",
    "vex",
    "pli",
    "quen",
    "mar",
    "tul",
    "bri",
    "sna",
    "kel",
    "dor",
    "fin",
    "grap",
    "lum",
    "nox",
    "tav",
    "rim",
    "cor",
    "hep",
    "jas",
    "wyn",
]
ENDINGS = ["ify", "io", "kit", "lib", "py", "ly", "er", "ex", "on", "ite"]
SECTIONS = [
    "Installation",
    "Usage",
    "Configuration",
    "Command line",
    "Changelog",
    "API reference",
    "Features",
    "Quickstart",
    "Advanced usage",
    "FAQ",
]
FILE_TYPES = ["toml", "json", "yaml", "cfg", "ini", "env", "lock", "txt"]


def _third_person(verb: str) -> str:
    return verb + ("es" if verb.endswith(("s", "sh", "ch", "x")) else "s")


def _package(rng: random.Random) -> str:
    return rng.choice(SYLLABLES) + rng.choice(SYLLABLES) + rng.choice(ENDINGS)


def _version(rng: random.Random) -> str:
    return f"{rng.randint(0, 5)}.{rng.randint(0, 30)}.{rng.randint(0, 12)}"


def _term(pkg: str, rng: random.Random) -> dict[str, str]:
    """One drawing of every kind of term a README names, for the templates below."""
    return {
        "function": f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}",
        "flag": f"--{rng.choice(VERBS)}-{rng.choice(NOUNS)}",
        "env": f"{pkg.upper()}_{rng.choice(NOUNS).upper()}_{rng.choice(['DISABLED', 'PATH', 'LEVEL', 'MODE'])}",
        "version": _version(rng),
        "extra": f"{pkg}[{rng.choice(NOUNS)}]",
        "file": f"{rng.choice(NOUNS)}.{rng.choice(FILE_TYPES)}",
        "class": rng.choice(NOUNS).capitalize() + rng.choice(NOUNS).capitalize(),
        "count": str(rng.choice([2, 3, 4, 5, 8, 10, 16, 20, 30, 32, 50, 64, 100, 128, 256, 1000])),
        "command": f"{pkg} {rng.choice(VERBS)}",
        "python": f"Python {rng.choice(['3.8', '3.9', '3.10', '3.12'])}",
    }


# kind: (section, sentences stating {value}, questions asking for it), with {pkg}, {task} ("flush the cache"),
# {does} ("flushes"), {verb} and {noun} filled in
TECHNICAL = {
    "function": (
        "API reference",
        (
            "Call `{value}()` to {task}.",
            "`{value}()` {does} the {noun} and returns it.",
            "Use `{pkg}.{value}()` when you need to {task}.",
        ),
        (
            "Which {pkg} function {does} the {noun}?",
            "How do I {task} with {pkg}?",
            "What should I call in {pkg} to {task}?",
        ),
    ),
    "flag": (
        "Command line",
        (
            "Pass `{value}` to {task} on the command line.",
            "`{value}` - {does} the {noun} first.",
            "The `{value}` option tells {pkg} to {task}.",
        ),
        (
            "Which command-line option makes {pkg} {task}?",
            "What flag do I pass to {task}?",
            "Which option of the {pkg} CLI should I use to {task}?",
        ),
    ),
    "env": (
        "Configuration",
        ("Set the `{value}` environment variable to {task}.", "`{value}=1` makes {pkg} {task}."),
        ("Which environment variable makes {pkg} {task}?", "What environment variable do I set to {task} in {pkg}?"),
    ),
    "version": (
        "Changelog",
        (
            "New in version {value}: {pkg} can {task}.",
            "[{value}] - Added: support to {task}.",
            "Since {value}, {pkg} {does} the {noun}.",
        ),
        (
            "In which release did {pkg} start to {task}?",
            "Since which version can {pkg} {task}?",
            "Which {pkg} version added support to {task}?",
        ),
    ),
    "extra": (
        "Installation",
        (
            "Install `{value}` to {task}.",
            "`{value}` - needed to {task}.",
            'pip install "{value}" adds what you need to {task}.',
        ),
        ("What should I pip install to {task} with {pkg}?", "Which extra of {pkg} do I need to {task}?"),
    ),
    "file": (
        "Configuration",
        ("{pkg} reads its {noun} settings from `{value}`.", "The {noun} settings live in `{value}`."),
        ("Which file does {pkg} read its {noun} settings from?", "Where do I put {pkg}'s {noun} settings?"),
    ),
    "class": (
        "API reference",
        ("The `{value}` class {does} {noun}s.", "`{value}` - {does} the {noun}."),
        ("Which {pkg} class {does} {noun}s?", "What class do I use to {task} in {pkg}?"),
    ),
    "count": (
        "Usage",
        (
            "By default {pkg} {does} at most {value} {noun}s at a time.",
            "{pkg} {does} up to {value} {noun}s unless told otherwise.",
        ),
        (
            "How many {noun}s does {pkg} {verb} at a time by default?",
            "What is the default limit of {noun}s that {pkg} {does}?",
        ),
    ),
    "command": (
        "Command line",
        ("Run `{value}` to {task}.", "`{value}` {does} the {noun} and exits."),
        ("Which command {does} the {noun}?", "What do I run to {task} from the terminal?"),
    ),
    "python": (
        "Installation",
        ("{pkg} requires {value} or newer.", "{pkg} supports {value} and later."),
        ("Which Python version does {pkg} need at least?", "What is the oldest Python {pkg} runs on?"),
    ),
}


def technical_fact(pkg: str, rng: random.Random) -> tuple[str, str, str, str]:
    """(section, sentence, question, answer): one term a README would state, asked as a developer would."""
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    kind = rng.choice(list(TECHNICAL))
    section, sentences, questions = TECHNICAL[kind]
    value = _term(pkg, rng)[kind]
    slots = {
        "pkg": pkg,
        "verb": verb,
        "noun": noun,
        "does": _third_person(verb),
        "task": f"{verb} the {noun}",
        "value": value,
    }
    return section, rng.choice(sentences).format(**slots), rng.choice(questions).format(**slots), value


def technical_examples(n: int, rng: random.Random) -> list[tuple[str, list[str], str]]:
    """(question, passages, answer) with the gold passage first: its sentence among the package's others."""
    out = []
    for _ in range(n):
        pkg = _package(rng)
        facts = [technical_fact(pkg, rng) for _ in range(rng.randint(1, 3))]
        section, _, question, answer = facts[0]
        sentences = [f[1] for f in facts]
        rng.shuffle(sentences)
        gold = f"{pkg} › {section}: " + " ".join(sentences)
        others = [f"{pkg} › {s}: {f[1]}" for s, f in ((f[0], f) for f in (technical_fact(pkg, rng) for _ in range(2)))]
        out.append((question, [gold, *others], answer))
    return out


def natural_examples(n: int, seed: int) -> list[tuple[str, list[str], str]]:
    """Generated people and organisations: a fact's sentence among its entity's others, asked in a paraphrase."""
    from ragft.data.sources import domain

    rng = random.Random(seed)
    out = []
    for name in ("people", "orgs"):
        facts = domain(name).facts(n, seed)
        by_entity: dict[str, list] = {}
        for f in facts:
            by_entity.setdefault(f.entity, []).append(f)
        entities = list(by_entity)
        for f in facts[:n]:
            mates = [g.answer for g in by_entity[f.entity] if g is not f]
            sentences = [f.answer, *rng.sample(mates, min(len(mates), rng.randint(0, 2)))]
            rng.shuffle(sentences)
            other = by_entity[rng.choice(entities)]
            out.append((rng.choice(f.questions), [" ".join(sentences), rng.choice(other).answer], f.value))
    return out


def conversations(examples, prompts, rng: random.Random, worked: bool = False) -> list[dict]:
    """Grounded chats as the `rag` arm asks (with the worked examples if `worked`): mostly the gold passage
    alone, as selection gives it; sometimes with one or two distractors around it, so the reader learns to pick
    the passage. The reply is the bare answer, cited."""
    from ragft.data.raft import cite
    from ragft.rag.answer import grounded_messages
    from ragft.rag.hits import Hit

    out = []
    for question, passages, answer in examples:
        shown = [passages[0]]
        if rng.random() < 0.3:
            shown += passages[1 : 1 + rng.randint(1, 2)]
            rng.shuffle(shown)
        hits = [Hit(f"p{i}", text, 1.0) for i, text in enumerate(shown)]
        reply = cite(answer + ".", shown.index(passages[0]) + 1)
        out.append(
            {
                "messages": [
                    *grounded_messages(question, hits, prompts, examples=worked),
                    {"role": "assistant", "content": reply},
                ]
            }
        )
    return out


def train_reader(examples: int, epochs: int, seed: int, lr: float | None = None, worked: bool = False):
    from ragft.finetune.train import TrainSettings, train
    from ragft.models.loading import load_model
    from ragft.rag.prompts import PromptConfig

    rng = random.Random(seed)
    data = technical_examples(examples * 6 // 10, rng) + natural_examples(examples * 2 // 10, seed)
    chats = conversations(data, PromptConfig(), rng, worked)
    rng.shuffle(chats)
    loaded = load_model("smollm2-135m-instruct", "cpu")
    model, result = train(
        loaded.model,
        loaded.tokenizer,
        chats,
        TrainSettings(
            method="lora", epochs=epochs, learning_rate=lr, batch_size=8, max_length=512, seed=seed, precision="bf16"
        ),
    )
    print(
        f"trained on {len(chats)} chats, {result.train_tokens} tokens in {result.seconds:.0f}s, "
        f"loss {result.losses[0]:.3f} -> {sum(result.losses[-10:]) / 10:.3f}",
        flush=True,
    )
    return model.merge_and_unload(), loaded.tokenizer, chats, result


def variants(worked: bool, oracle: bool) -> list:
    """bench/reader_quality.py variants for the `rag` arm as `ragft run` configures it (and its oracle), asked with
    the worked examples or without them."""
    from bench.reader_quality import Variant
    from ragft.rag.answer import selection_from_config
    from ragft.rag.config import RagConfig
    from ragft.rag.prompts import PromptConfig
    from ragft.rag.retriever import settings_from_config

    rag = RagConfig()
    prompts = PromptConfig() if worked else PromptConfig(grounded_examples=[])
    out = [Variant("rag", selection_from_config(rag), settings_from_config(rag), prompts)]
    return out + ([Variant("oracle", selection_from_config(rag), prompts=prompts, oracle=True)] if oracle else [])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", default="readmes-1,readmes-2,museum,library")
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lr", type=float, default=None, help="LoRA learning rate (default 2e-4)")
    parser.add_argument("--worked", action="store_true", help="train and ask with the worked examples")
    parser.add_argument("--oracle", action="store_true", help="also the gold passage alone, with and without it")
    parser.add_argument("--out", type=Path, default=Path("bench/out/reader_adapter.json"))
    args = parser.parse_args()
    from bench.reader_quality import evaluate, load_task
    from ragft.models.generation import LocalChatModel
    from ragft.models.loading import load_model

    began = time.perf_counter()
    reader, tokenizer, chats, result = train_reader(args.examples, args.epochs, args.seed, args.lr, args.worked)
    base = load_model("smollm2-135m-instruct", "cpu")
    models = {
        "rag": (LocalChatModel(base.model, base.tokenizer, "fp32"), True),
        "rag+reader": (LocalChatModel(reader, tokenizer, "fp32"), args.worked),
    }
    out = {
        "training": {
            "chats": len(chats),
            "tokens": result.train_tokens,
            "seconds": round(result.seconds, 1),
            "first_loss": result.losses[0],
            "last_loss": result.losses[-1],
        },
        "sets": {},
    }
    for name in args.sets.split(","):
        task = load_task(name, 20)
        row = {}
        for arm, (chat, worked) in models.items():
            for found in evaluate(task, chat, variants(worked, args.oracle)):
                row[arm.replace("rag", found["variant"])] = found
        out["sets"][name] = row
        print(name, "  ".join(f"{k} {round(v['accuracy'] * v['n'])}/{v['n']}" for k, v in row.items()), flush=True)
    out["seconds"] = round(time.perf_counter() - began)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

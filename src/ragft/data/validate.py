"""OpenAI's checks for chat fine-tuning data (from OpenAI's cookbook), reported by line.

Each line must be a dict with a `messages` list; each message a dict with a known `role`
and string `content` and no unknown keys; each example needs an assistant message; a file
needs at least 10 examples; examples over the token limit are truncated when training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ragft.data.chat import Problem, parse_jsonl

ROLES = {"system", "user", "assistant", "function", "tool"}
MESSAGE_KEYS = {"role", "content", "name", "function_call", "tool_calls", "tool_call_id", "weight"}
EXAMPLE_KEYS = {"messages", "tools", "functions", "parallel_tool_calls"}
MIN_EXAMPLES = 10
OPENAI_MAX_TOKENS_PER_EXAMPLE = 16385

TokenCounter = Callable[[dict], int]  # one example (its messages, and tools if any) -> tokens


@dataclass
class ValidationReport:
    path: str
    examples: list[dict] = field(default_factory=list)  # the valid conversations, in file order
    lines: list[int] = field(default_factory=list)  # their 1-based line numbers
    problems: list[Problem] = field(default_factory=list)
    token_counts: list[int] = field(default_factory=list)
    max_tokens: int = OPENAI_MAX_TOKENS_PER_EXAMPLE

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def billed_tokens_per_epoch(self) -> int:
        """OpenAI bills each example up to the per-example limit (longer ones are truncated)."""
        return sum(min(self.max_tokens, n) for n in self.token_counts)

    def summary_lines(self) -> list[str]:
        lines = [
            f"examples: {len(self.examples)} valid, {len(self.errors)} error(s), "
            f"{len(self.problems) - len(self.errors)} warning(s)"
        ]
        if self.token_counts:
            counts = sorted(self.token_counts)
            mean = sum(counts) / len(counts)
            median = counts[len(counts) // 2]
            lines.append(f"tokens per example: min {counts[0]}, mean {mean:.1f}, median {median}, max {counts[-1]}")
            lines.append(f"tokens billed per epoch: {self.billed_tokens_per_epoch}")
        return lines


def _message_problems(message: object, index: int) -> list[str]:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        return [f"{where} is not an object"]
    found = []
    role = message.get("role")
    if "role" not in message:
        found.append(f"{where} has no 'role'")
    elif not isinstance(role, str) or role not in ROLES:
        found.append(f"{where} has unknown role {_short(role)} (expected one of {', '.join(sorted(ROLES))})")
    if "content" not in message and not message.get("function_call") and not message.get("tool_calls"):
        found.append(f"{where} has no 'content'")
    elif "content" in message and not isinstance(message["content"], str) and message["content"] is not None:
        found.append(f"{where} 'content' must be a string")
    elif isinstance(message.get("content"), str) and not _encodable(message["content"]):
        found.append(f"{where} 'content' holds an unpaired surrogate (\\ud800-\\udfff), not text")
    found.extend(_call_problems(message, where))
    if "name" in message and not isinstance(message["name"], str):
        found.append(f"{where} 'name' must be a string")
    if "weight" in message and (
        role != "assistant" or message["weight"] not in (0, 1) or isinstance(message["weight"], bool)
    ):
        found.append(f"{where} 'weight' must be 0 or 1, on an assistant message")
    unknown = sorted(set(message) - MESSAGE_KEYS)
    if unknown:
        found.append(f"{where} has unknown key(s): {', '.join(unknown)}")
    return found


def _call_problems(message: dict, where: str) -> list[str]:
    """OpenAI's tool calls: `tool_calls` a list of {"function": {"name", "arguments"}}, `function_call` one function."""
    calls = message.get("tool_calls")
    functions = [] if calls is None else calls if isinstance(calls, list) else None
    if functions is None:
        return [f"{where} 'tool_calls' must be a list"]
    functions = [c.get("function") if isinstance(c, dict) else None for c in functions]
    if "function_call" in message:
        functions.append(message["function_call"])
    bad = [
        f
        for f in functions
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not isinstance(f.get("arguments", ""), str)
    ]
    if bad:
        return [f"{where} has a tool call without a function name and string arguments"]
    if functions and message.get("role") != "assistant":
        return [f"{where}: only an assistant message calls tools"]
    return []


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def example_problems(example: object) -> list[str]:
    """Problems with one parsed line, as messages without location."""
    if not isinstance(example, dict):
        return [f"expected a JSON object, got {type(example).__name__}"]
    messages = example.get("messages")
    if not isinstance(messages, list) or not messages:
        return ["missing 'messages' list" if messages is None else "'messages' must be a non-empty list"]
    found = [f"unknown key(s): {', '.join(sorted(set(example) - EXAMPLE_KEYS))}"] if set(example) - EXAMPLE_KEYS else []
    for key in ("tools", "functions"):
        if key in example and not isinstance(example[key], list):
            found.append(f"'{key}' must be a list")
    for i, message in enumerate(messages):
        found.extend(_message_problems(message, i))
    if not any(isinstance(m, dict) and m.get("role") == "assistant" for m in messages):
        found.append("no assistant message")
    return found


def validate_file(
    path: str | Path,
    count_tokens: TokenCounter | None = None,
    max_tokens: int = OPENAI_MAX_TOKENS_PER_EXAMPLE,
    min_examples: int = MIN_EXAMPLES,
) -> ValidationReport:
    """Run every check on a chat JSONL file. Raises RagftError only if the file can't be read at all."""
    parsed, problems = parse_jsonl(path)
    report = ValidationReport(str(path), problems=problems, max_tokens=max_tokens)
    for item in parsed:
        found = example_problems(item.obj)
        report.problems.extend(Problem(str(path), item.line, msg) for msg in found)
        if found:
            continue
        report.examples.append(item.obj)
        report.lines.append(item.line)
        if count_tokens is not None:
            n = count_tokens(item.obj)
            report.token_counts.append(n)
            if n > max_tokens:
                report.problems.append(
                    Problem(
                        str(path),
                        item.line,
                        f"{n} tokens, over the {max_tokens}-token limit: it will be truncated",
                        severity="warning",
                    )
                )
    if parsed or not problems:  # an empty file already has its one problem
        if len(report.examples) < min_examples:
            report.problems.append(
                Problem(
                    str(path), 0, f"{len(report.examples)} valid example(s); fine-tuning needs at least {min_examples}"
                )
            )
    report.problems.sort(key=lambda p: (p.line == 0, p.line))  # file-level problems last
    return report

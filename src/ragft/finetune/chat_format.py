"""OpenAI's chat format as a model's chat template can render it: tool calls included.

OpenAI's fine-tuning data may hold assistant messages that call tools (`tool_calls`, `content: null`),
the tools' answers (role `tool`), the legacy `function_call` / role `function`, and a line's `tools`.
A template that knows tool calls gets them as they are. One that does not (SmolLM2's) would fail on
them, so the calls are written into the assistant's text as `<tool_call>{"name", "arguments"}</tool_call>`
and the tools offered into the system message as `<tools>` (the Hermes convention many open models
were trained on): the model learns to emit the calls as text. `ragft serve` renders a conversation with tools
the same way and decodes calls in this form (server/structured.py), so a model fine-tuned on tool calls is
asked in the form it learnt.
"""

from __future__ import annotations

import json
import re

CALL_OPEN, CALL_CLOSE = "<tool_call>\n", "\n</tool_call>"
CALLS = re.compile(r"<tool_call>\n(.*?)\n</tool_call>", re.DOTALL)
HOW_TO_CALL = (
    'To call a tool, reply with <tool_call>\n{"name": <its name>, "arguments": <its arguments>}\n</tool_call> '
    "for each call."
)


def knows_tools(tokenizer) -> bool:
    """Does the tokenizer's chat template render tool calls itself?"""
    return "tool_calls" in (getattr(tokenizer, "chat_template", None) or "")


def template_messages(tokenizer, messages: list[dict], tools: list | None = None) -> list[dict]:
    """The messages, ready for `apply_chat_template`; `weight` is kept (templates ignore it, the loss reads it)."""
    if knows_tools(tokenizer):
        return [{**m, "content": _text(m.get("content"))} for m in messages]
    out = []
    for m in messages:
        calls = list(m.get("tool_calls") or [])
        if m.get("function_call"):
            calls.append({"function": m["function_call"]})
        parts = [_text(m.get("content"))] if m.get("content") else []
        parts += [call_text(c.get("function") or {}) for c in calls]
        role = "tool" if m["role"] == "function" else m["role"]
        out.append({"role": role, "content": "\n".join(parts), **({"weight": m["weight"]} if "weight" in m else {})})
    if tools:
        listing = "\n".join(
            json.dumps(t.get("function", t) if isinstance(t, dict) else t, ensure_ascii=False) for t in tools
        )
        block = f"You may call these tools:\n<tools>\n{listing}\n</tools>\n{HOW_TO_CALL}"
        if out and out[0]["role"] == "system":
            out[0] = {**out[0], "content": f"{out[0]['content']}\n\n{block}"}
        else:
            out.insert(0, {"role": "system", "content": block})
    return out


def tools_of(example: dict) -> list | None:
    """The tools a training line offers: OpenAI's `tools`, or the legacy `functions`."""
    return example.get("tools") or example.get("functions")


def template_kwargs(tokenizer, tools: list | None) -> dict:
    """What `apply_chat_template` needs besides the messages: the tools, for a template that renders them."""
    return {"tools": tools} if tools and knows_tools(tokenizer) else {}


def _text(content) -> str:
    if isinstance(content, list):  # content parts: the text ones
        return "".join(p.get("text") or "" for p in content if isinstance(p, dict))
    return content or ""


def call_text(function: dict) -> str:
    """A call as the assistant's text: the tool's name and its arguments (decoded where they are a JSON string)."""
    arguments = function.get("arguments")
    try:
        arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError:
        pass  # kept as the string it is
    call = {"name": function.get("name"), "arguments": arguments}
    return f"{CALL_OPEN}{json.dumps(call, ensure_ascii=False)}{CALL_CLOSE}"

"""Structured output of a chat request: `response_format` (JSON mode, a JSON schema) and `tools` / `tool_choice`
become one grammar the decoder keeps the reply inside (models/grammar.py), and a finished reply either text or
tool calls.

Tools are offered and calls written the way ragft's trainer renders tool-calling conversations for a chat template
that knows no tools (finetune/chat_format.py, the Hermes convention): each call
`<tool_call>\\n{"name": ..., "arguments": {...}}\\n</tool_call>`, so a model fine-tuned on tool calls is served in
the form it learnt. Under `tool_choice: "auto"` a reply that opens with `<` must be such calls, any other is text.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from ragft.finetune.chat_format import CALL_CLOSE, CALL_OPEN, CALLS
from ragft.models.grammar import (
    JSON_OPTIONS,
    GrammarError,
    json_object_grammar,
    json_schema_grammar,
    lark_grammar,
    narrowed,
)
from ragft.server.errors import bad_request
from ragft.server.schemas import ChatCompletionRequest, FunctionSpec

MAX_PARALLEL_CALLS = 8  # tool calls in one reply when parallel_tool_calls allows several
FREE_TEXT = r"/[^<](?s:.*)/"  # a reply that is not a tool call: anything not opening with "<"


@dataclass(frozen=True)
class OutputFormat:
    """What a request's reply must be: its grammar (None: free text), the tools offered, whether a reply may call."""

    grammar: str | None = None
    tools: list[dict] | None = None  # as the API gives them, for the chat template
    calls: bool = False
    instruction: str | None = None  # what a JSON reply format asks, told to the model in the system message

    def reply(self, text: str) -> tuple[str | None, list[dict] | None]:
        """(content, tool_calls) of a finished reply: tool calls where it is one (content None), else text."""
        if self.calls and text.startswith(CALL_OPEN.strip()):  # the grammar's calls start at the first character
            try:
                found = [json.loads(body) for body in CALLS.findall(text)]
                calls = [tool_call(c["name"], c["arguments"]) for c in found]
            except (ValueError, KeyError, TypeError):
                calls = []
            if calls:
                return None, calls
        return text, None  # cut off by the token limit before a call closed: what it wrote, as text


def tool_call(name: str, arguments) -> dict:
    return {
        "id": f"call_{secrets.token_hex(12)}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }


class ToolCallStream:
    """A streamed reply that may be a tool call: once its first character is not "<" its text passes as it comes;
    a call is held whole and sent, when it ends, as the API's tool_calls deltas."""

    def __init__(self):
        self.held, self.call = "", None  # call: None until the first character decides

    def passed(self, delta: str) -> str:
        """What of `delta` (and of what was held) may be sent as text now."""
        if self.call is False:
            return delta
        self.held += delta
        first = self.held[:1]
        if not first or first == "<":
            self.call = True if first else None
            return ""
        self.call, out, self.held = False, self.held, ""
        return out


def output_format(body: ChatCompletionRequest) -> OutputFormat:
    """The request's output format; a schema that cannot be enforced is a 400 naming the parameter and the
    feature, never a silent fallback to free text."""
    response = _response_grammar(body)
    functions = {t.function.name: t.function for t in body.tools or []}
    choice = body.tool_choice or ("auto" if functions else "none")
    if choice != "none" and not functions:
        raise bad_request("tool_choice: it needs tools to choose from; give `tools` or leave tool_choice out.", "tools")
    if choice == "none":
        return OutputFormat(response, instruction=_instruction(body) if response else None)
    if response is not None:
        raise bad_request(
            "response_format: a JSON reply format cannot be combined with tool calls here; give one of them.",
            "response_format",
        )
    if isinstance(choice, str):
        callable_ = list(functions.values())
    else:
        if choice.function.name not in functions:
            raise bad_request(
                f"tool_choice: no tool named {choice.function.name!r} in tools ({', '.join(functions)}).",
                "tool_choice",
            )
        callable_ = [functions[choice.function.name]]
    # a named function is called once: a small model told to call it otherwise repeats the call to its token limit
    several = body.parallel_tool_calls is not False and isinstance(choice, str)
    calls = _calls_lark(callable_, MAX_PARALLEL_CALLS if several else 1)
    try:
        start = f"start: free | calls\nfree: {FREE_TEXT}" if choice == "auto" else "start: calls"
        grammar = lark_grammar(f"{start}\n{calls}")
    except GrammarError as e:
        raise bad_request(f"tools: a function's parameters cannot be enforced: {e}", "tools") from None
    tools = [t.model_dump(mode="json", by_alias=True, exclude_none=True) for t in body.tools]
    return OutputFormat(grammar, tools, calls=True)


def _response_grammar(body: ChatCompletionRequest) -> str | None:
    fmt = body.response_format
    if fmt is None or fmt.type == "text":
        return None
    if fmt.type == "json_object":
        return json_object_grammar()
    try:
        return json_schema_grammar(fmt.json_schema.schema_ if fmt.json_schema.schema_ is not None else {})
    except GrammarError as e:
        raise bad_request(
            f"response_format.json_schema.schema: cannot be enforced: {e}", "response_format.json_schema.schema"
        ) from None


def _instruction(body: ChatCompletionRequest) -> str:
    fmt = body.response_format
    if fmt.type == "json_object":
        return "Reply with only a JSON object."
    schema = json.dumps(fmt.json_schema.schema_ if fmt.json_schema.schema_ is not None else {}, ensure_ascii=False)
    return f"Reply with only a JSON object that follows this JSON schema: {schema}"


def _calls_lark(functions: list[FunctionSpec], most: int) -> str:
    """The grammar (Lark, with llguidance's %json) of a reply that calls tools: 1 to `most` calls, each a function's
    name and arguments valid against its parameters."""
    each = [
        {
            "type": "object",
            "properties": {
                "name": {"const": f.name},
                "arguments": narrowed(f.parameters)
                if f.parameters is not None
                else {"type": "object", "properties": {}, "additionalProperties": False},
            },
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for f in functions
    ]
    body = {**(each[0] if len(each) == 1 else {"anyOf": each}), "x-guidance": JSON_OPTIONS}
    more = f' ("\\n" call){{0,{most - 1}}}' if most > 1 else ""
    return (
        f"calls: call{more}\n"
        f"call: {json.dumps(CALL_OPEN)} body {json.dumps(CALL_CLOSE)}\n"
        f"body: %json {json.dumps(body)}"
    )

"""Structured output of a chat request: `response_format` (JSON mode, a JSON schema) and `tools` / `tool_choice`
become one grammar the decoder keeps the reply inside (models/grammar.py), the tools a system message the model
reads, and a finished reply either text or tool calls.

SmolLM2's chat template knows no tools, so ragft writes them into the prompt itself and asks for one JSON reply
form, `{"tool_calls": [{"name": ..., "arguments": {...}}]}`, whose shape the grammar enforces: under
`tool_choice: "auto"` a reply that opens with `{` must be such a call, any other reply is text.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field

from ragft.models.grammar import GrammarError, json_object_grammar, json_schema_grammar, lark_grammar
from ragft.server.errors import bad_request
from ragft.server.schemas import ChatCompletionRequest, FunctionSpec

MAX_PARALLEL_CALLS = 8  # tool calls in one reply when parallel_tool_calls allows several
FREE_TEXT = r"/[^{](?s:.*)/"  # a reply that is not a tool call: anything not opening with "{"
CALL_FORM = '{"tool_calls": [{"name": "<function name>", "arguments": {<its parameters>}}]}'


@dataclass(frozen=True)
class OutputFormat:
    """What a request's reply must be: its grammar (None: free text), and the functions it may call."""

    grammar: str | None = None
    functions: dict[str, FunctionSpec] = field(default_factory=dict)  # tools the model is told of
    calls: bool = False  # a reply may be tool calls
    instruction: str | None = None  # what a JSON reply format asks, told to the model

    def system_text(self) -> str | None:
        """The reply format or the tools as the model reads them (None: nothing to tell). The grammar enforces the
        shape either way; a small model told what it is writing fills it in more sensibly."""
        if not self.functions:
            return self.instruction
        lines = [f"You can call functions. To call them, reply with only this JSON: {CALL_FORM}", "Functions:"]
        for f in self.functions.values():
            params = json.dumps(f.parameters or {"type": "object", "properties": {}}, ensure_ascii=False)
            lines.append(f"- {f.name}: {f.description or 'no description'} Parameters: {params}")
        return "\n".join(lines)

    def reply(self, text: str) -> tuple[str | None, list[dict] | None]:
        """(content, tool_calls) of a finished reply: tool calls where it is one (content None), else text."""
        if self.calls and text.lstrip().startswith("{"):
            try:
                found = json.loads(text)["tool_calls"]
            except (ValueError, KeyError, TypeError):  # cut off by the token limit: what it wrote, as text
                return text, None
            return None, [tool_call(c["name"], c["arguments"]) for c in found]
        return text, None


class ToolCallStream:
    """A streamed reply that may be a tool call: once its first character is not "{" its text passes as it comes;
    a call is held whole and sent, when it ends, as the API's tool_calls deltas."""

    def __init__(self):
        self.held, self.call = "", None  # call: None until the first character decides

    def passed(self, delta: str) -> str:
        """What of `delta` (and of what was held) may be sent as text now."""
        if self.call is False:
            return delta
        self.held += delta
        first = self.held.lstrip()[:1]
        if not first or first == "{":
            self.call = self.call or (True if first else None)
            return ""
        self.call, out, self.held = False, self.held, ""
        return out


def tool_call(name: str, arguments) -> dict:
    return {
        "id": f"call_{secrets.token_hex(12)}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments, ensure_ascii=False)},
    }


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
    calls = _calls_schema(callable_, body.parallel_tool_calls is not False and isinstance(choice, str))
    try:
        grammar = (
            json_schema_grammar(calls)
            if choice != "auto"
            else lark_grammar(f"start: free | calls\nfree: {FREE_TEXT}\ncalls: %json {json.dumps(calls)}")
        )
    except GrammarError as e:
        raise bad_request(f"tools: a function's parameters cannot be enforced: {e}", "tools") from None
    return OutputFormat(grammar, functions, calls=True)


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


def _calls_schema(functions: list[FunctionSpec], parallel: bool) -> dict:
    """The JSON schema of a reply that calls tools: one call (or up to MAX_PARALLEL_CALLS), each a function's name
    and arguments valid against its parameters."""
    each = [
        {
            "type": "object",
            "properties": {
                "name": {"const": f.name},
                "arguments": f.parameters or {"type": "object", "properties": {}, "additionalProperties": False},
            },
            "required": ["name", "arguments"],
            "additionalProperties": False,
        }
        for f in functions
    ]
    return {
        "type": "object",
        "properties": {
            "tool_calls": {
                "type": "array",
                "items": each[0] if len(each) == 1 else {"anyOf": each},
                "minItems": 1,
                "maxItems": MAX_PARALLEL_CALLS if parallel else 1,
            }
        },
        "required": ["tool_calls"],
        "additionalProperties": False,
    }

"""Request bodies of the OpenAI endpoints the server implements (responses are plain dicts)."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from ragft.server.errors import bad_request

MAX_CHOICES = 8
MAX_INPUTS = 2048  # OpenAI's cap on the inputs of one embeddings request, and here on a completion's prompts
SEED_RANGE = (-(2**63), 2**63 - 1 - MAX_CHOICES)  # OpenAI's int64; choice i samples with seed + i


def _text(value: str) -> str:
    # A lone surrogate (JSON "\ud800") is no character: no tokenizer can encode it.
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise ValueError("holds an unpaired surrogate (\\ud800-\\udfff), not text")
    return value


Text = Annotated[str, AfterValidator(_text)]


class _Lenient(BaseModel):
    """OpenAI clients send more options than a local model needs; unknown ones are ignored."""

    model_config = ConfigDict(extra="ignore")


class ContentPart(_Lenient):
    type: str
    text: Text | None = None


FunctionName = Annotated[str, Field(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]


class CalledFunction(_Lenient):
    name: FunctionName
    arguments: Text  # a JSON object, as a string


class ToolCall(_Lenient):
    """A tool call the assistant made earlier in the conversation, sent back with its result."""

    id: str
    type: Literal["function"] = "function"
    function: CalledFunction


class ChatMessage(_Lenient):
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: Text | list[ContentPart] | None = None
    name: str | None = None
    tool_calls: list[ToolCall] | None = None  # an assistant's earlier calls
    tool_call_id: str | None = None  # a tool's result: the call it answers

    def as_api_message(self, where: str = "messages") -> dict:
        """The message as the chat template's input (finetune/chat_format.py renders its tool calls): text parts
        joined, developer read as system, an assistant's tool calls kept (arguments checked to be JSON)."""
        content = self.content
        if isinstance(content, list):
            if any(p.type != "text" for p in content):
                raise bad_request("Only text content parts are supported by this server.", where)
            content = "".join(p.text or "" for p in content)
        out = {"role": "system" if self.role == "developer" else self.role, "content": content or ""}
        for j, call in enumerate(self.tool_calls or []):
            try:
                json.loads(call.function.arguments)
            except ValueError:
                param = f"{where}.tool_calls.{j}.function.arguments"
                raise bad_request(f"{param}: not JSON: {call.function.arguments[:80]!r}", param) from None
        if self.tool_calls:
            out["tool_calls"] = [c.model_dump(mode="json") for c in self.tool_calls]
        return out


class JsonSchemaFormat(_Lenient):
    name: FunctionName
    description: str | None = None
    schema_: dict | bool | None = Field(None, alias="schema")
    strict: bool | None = None  # the schema is enforced by the grammar either way


class ResponseFormat(_Lenient):
    type: Literal["text", "json_object", "json_schema"]
    json_schema: JsonSchemaFormat | None = None

    @model_validator(mode="after")
    def _schema_given(self):
        if self.type == "json_schema" and self.json_schema is None:
            raise bad_request(
                "response_format.json_schema: required when response_format.type is 'json_schema'.",
                "response_format.json_schema",
            )
        return self


class FunctionSpec(_Lenient):
    name: FunctionName
    description: str | None = None
    parameters: dict | None = None  # a JSON schema of the arguments; none: it takes none
    strict: bool | None = None


class Tool(_Lenient):
    type: Literal["function"]
    function: FunctionSpec


class ChosenFunction(_Lenient):
    name: FunctionName


class NamedToolChoice(_Lenient):
    type: Literal["function"]
    function: ChosenFunction


class StreamOptions(_Lenient):
    include_usage: bool = False


class _Sampling(_Lenient):
    """The decoding options chat and legacy completions share."""

    model: Text
    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1)
    stop: Text | list[Text] | None = None
    seed: int | None = Field(None, ge=SEED_RANGE[0], le=SEED_RANGE[1])
    n: int = Field(1, ge=1, le=MAX_CHOICES)
    stream: bool = False
    stream_options: StreamOptions | None = None

    def stops(self) -> tuple[str, ...]:
        stops = [self.stop] if isinstance(self.stop, str) else list(self.stop or [])
        if len(stops) > 4:
            raise bad_request("stop: at most 4 stop sequences are allowed.", "stop")
        return tuple(stops)

    def include_usage(self) -> bool:
        return bool(self.stream_options and self.stream_options.include_usage)


def _refuse(options: list[tuple[str, bool]], why: str) -> None:
    """A 400 naming the first option given that this server cannot honour: never silently ignored."""
    refused = [name for name, given in options if given]
    if refused:
        raise bad_request(
            f"{refused[0]}: not supported by this server ({why}); leave it out.", refused[0], "unsupported_parameter"
        )


class ChatCompletionRequest(_Sampling):
    messages: list[ChatMessage] = Field(min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1)
    tools: list[Tool] | None = Field(None, max_length=128)
    tool_choice: Literal["none", "auto", "required"] | NamedToolChoice | None = None
    parallel_tool_calls: bool | None = None
    response_format: ResponseFormat | None = None
    logprobs: bool | None = None
    top_logprobs: int | None = Field(None, ge=0, le=20)
    # The API's deprecated forms of tools: refused by name, never silently ignored.
    functions: list[Any] | None = None
    function_call: Any = None

    @model_validator(mode="after")
    def _unsupported(self):
        _refuse(
            [("functions", bool(self.functions)), ("function_call", self.function_call not in (None, "none", "auto"))],
            "the deprecated function-calling form; send `tools` and `tool_choice`",
        )
        called: set[str] = set()
        for i, m in enumerate(self.messages):  # a tool's result answers a call an assistant made before it
            called |= {c.id for c in m.tool_calls or []}
            if m.role == "tool" and m.tool_call_id not in called:
                raise bad_request(
                    f"messages.{i}.tool_call_id: {m.tool_call_id!r} answers no earlier assistant tool call"
                    + (f" (made: {', '.join(sorted(called))})." if called else "; no tool call was made before it."),
                    f"messages.{i}.tool_call_id",
                )
        if self.top_logprobs is not None and self.logprobs is not True:
            raise bad_request("top_logprobs: logprobs must be set to true to use top_logprobs.", "top_logprobs")
        return self

    def alternatives(self) -> int | None:
        """How many likeliest tokens to report beside each generated one; None: no logprobs."""
        return (self.top_logprobs or 0) if self.logprobs else None


class CompletionRequest(_Sampling):
    """POST /v1/completions, OpenAI's legacy text completion: the prompt is continued as it is, no chat template."""

    prompt: Text | list[Text] | list[int] | list[list[int]]
    max_tokens: int | None = Field(16, ge=1)  # OpenAI's default for this endpoint
    echo: bool = False
    logprobs: int | None = Field(None, ge=0, le=5)
    suffix: str | None = None
    best_of: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _unsupported(self):
        _refuse(
            [
                ("logprobs", self.logprobs is not None and self.echo),  # the prompt's own would need its logits
                ("suffix", bool(self.suffix)),
                ("best_of", self.best_of not in (None, self.n)),
            ],
            "no log-probabilities of an echoed prompt, insertion or server-side best-of",
        )
        return self

    def alternatives(self) -> int | None:
        """How many likeliest tokens to report beside each generated one; None: no logprobs."""
        return self.logprobs

    def prompts(self) -> list[str | list[int]]:
        """One entry per prompt: text, or the model's own token ids."""
        p = self.prompt
        if isinstance(p, str):
            return [p]
        if p and all(isinstance(x, int) for x in p):
            return [p]
        return list(p)

    @model_validator(mode="after")
    def _bounded(self):
        count = len(self.prompts())
        if not count or count > MAX_INPUTS:
            raise bad_request(f"prompt: give 1 to {MAX_INPUTS} prompts, not {count}.", "prompt")
        return self


class EmbeddingRequest(_Lenient):
    model: Text
    input: Text | list[Text] | list[int] | list[list[int]]
    encoding_format: Literal["float", "base64"] = "float"
    dimensions: int | None = Field(None, ge=1)

    @model_validator(mode="after")
    def _bounded(self):
        # one list of token ids is one input; any other list holds one input per item
        single = isinstance(self.input, str) or (self.input and all(isinstance(x, int) for x in self.input))
        if not single and len(self.input) > MAX_INPUTS:
            raise bad_request(f"input: at most {MAX_INPUTS} inputs per request, not {len(self.input)}.", "input")
        return self


class Hyperparameters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_epochs: Literal["auto"] | int = Field("auto", description="'auto' is OpenAI's rule")
    batch_size: Literal["auto"] | int = "auto"
    learning_rate_multiplier: Literal["auto"] | float = "auto"

    def checked(self) -> dict:
        for name, low, high in (("n_epochs", 1, 50), ("batch_size", 1, 256), ("learning_rate_multiplier", 1e-6, 100)):
            value = getattr(self, name)
            if value != "auto" and not low <= value <= high:
                raise bad_request(
                    f"hyperparameters.{name} must be 'auto' or between {low} and {high}, got {value}.",
                    f"hyperparameters.{name}",
                )
        return self.model_dump(exclude_unset=True)


class SupervisedMethod(_Lenient):
    hyperparameters: Hyperparameters | None = None


class Method(_Lenient):
    type: Literal["supervised", "dpo", "reinforcement"]
    supervised: SupervisedMethod | None = None


class FineTuningJobRequest(_Lenient):
    model: Text
    training_file: str
    hyperparameters: Hyperparameters | None = None
    method: Method | None = None
    seed: int | None = Field(None, ge=-(2**63), le=2**63 - 1)  # int64, as the trainer's random generators take
    suffix: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_.-]*$")
    validation_file: str | None = None
    metadata: dict[str, str] | None = None

    def merged_hyperparameters(self) -> dict:
        """Top-level `hyperparameters`, then `method.supervised.hyperparameters` on top; unset stay 'auto'."""
        if self.method is not None and self.method.type != "supervised":
            raise bad_request(
                f"method.type {self.method.type!r} is not supported here; use 'supervised'.", "method.type"
            )
        out = {"n_epochs": "auto", "batch_size": "auto", "learning_rate_multiplier": "auto"}
        if self.hyperparameters:
            out.update(self.hyperparameters.checked())
        if self.method and self.method.supervised and self.method.supervised.hyperparameters:
            out.update(self.method.supervised.hyperparameters.checked())
        return out

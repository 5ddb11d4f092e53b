"""A ChatModel on any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, `ragft serve`), via the official client."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

from ragft.errors import RagftError
from ragft.models.generation import ChatModel, Completion, GenerationSettings


def openai_client(base_url: str | None = None, api_key: str | None = None):
    """The official client. base_url/api_key default to OPENAI_BASE_URL/OPENAI_API_KEY; a local
    endpoint without auth still needs some key, so a placeholder is used when none is set."""
    import os

    from openai import OpenAI

    key = api_key or os.environ.get("OPENAI_API_KEY") or "none"
    return OpenAI(base_url=base_url or None, api_key=key, max_retries=2)


# (endpoint, model) pairs that refused `max_tokens`: OpenAI's reasoning models want `max_completion_tokens`.
_WANTS_MAX_COMPLETION_TOKENS: set[tuple[str, str]] = set()


def chat_create(client, model: str, messages: list[dict], max_tokens: int, **options):
    """One chat completion with a length limit in whichever name the endpoint takes: `max_tokens` (what
    vLLM, Ollama, llama.cpp and older OpenAI models read) unless the endpoint refuses it for
    `max_completion_tokens`, which is then used for that model from then on."""
    from openai import BadRequestError

    key = (str(client.base_url), model)
    if key not in _WANTS_MAX_COMPLETION_TOKENS:
        try:
            return client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens, **options)
        except BadRequestError as e:
            if "max_completion_tokens" not in str(e):
                raise
            _WANTS_MAX_COMPLETION_TOKENS.add(key)
    return client.chat.completions.create(model=model, messages=messages, max_completion_tokens=max_tokens, **options)


def api_error(e: Exception, what: str) -> RagftError:
    """One line naming the endpoint's complaint (the key is never part of it)."""
    message = getattr(e, "message", None) or str(e)
    status = getattr(e, "status_code", None)
    return RagftError(f"{what}: {f'HTTP {status}: ' if status else ''}{message}")


def response_format(settings: GenerationSettings) -> dict:
    """The endpoint's own structured output where the settings ask for a schema (the endpoint enforces it)."""
    if settings.json_schema is None:
        return {}
    schema = json.loads(settings.json_schema)
    return {
        "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "schema": schema, "strict": True}}
    }


class OpenAIChatModel(ChatModel):
    """Greedy (temperature 0) chat completions, `concurrency` requests at a time, results in input order."""

    def __init__(self, client, model: str, concurrency: int = 4):
        self.client, self.model, self.concurrency = client, model, concurrency

    def _one(self, messages: list[dict], settings: GenerationSettings) -> Completion:
        from openai import OpenAIError

        began = time.perf_counter()
        try:
            response = chat_create(
                self.client, self.model, messages, settings.max_new_tokens, temperature=0, **response_format(settings)
            )
        except OpenAIError as e:
            raise api_error(e, f"chat completion with model {self.model!r} failed") from None
        usage = response.usage
        text = (response.choices[0].message.content or "").strip() if response.choices else ""
        return Completion(
            text,
            usage.prompt_tokens if usage else 0,
            usage.completion_tokens if usage else 0,
            time.perf_counter() - began,
        )

    def complete(self, conversations, settings, progress=None):
        def run(messages):
            result = self._one(messages, settings)
            if progress:
                progress(1)
            return result

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(run, conversations))

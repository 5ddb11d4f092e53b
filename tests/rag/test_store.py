import pytest

from ragft.data.questions import passages
from ragft.errors import RagftError
from ragft.rag.store import KnowledgeBase


@pytest.fixture(scope="module")
def kb_dir(tmp_path_factory, cities):
    path = tmp_path_factory.mktemp("kb")
    kb = KnowledgeBase(path)
    assert kb.add(passages(cities)) == 100
    return path


def test_gold_passage_is_retrieved(kb_dir):
    kb = KnowledgeBase(kb_dir)
    [hits] = kb.query(["What is the population of City_42?"], 5)
    assert len(hits) == 5
    assert any(h.text.startswith("City_42 has") for h in hits)
    assert hits == sorted(hits, key=lambda h: h.distance)


def test_reindexing_adds_nothing(kb_dir, cities):
    kb = KnowledgeBase(kb_dir)
    assert kb.add(passages(cities)) == 0
    assert kb.count() == 100


def test_reopened_collection_embeds_offline_with_minilm(kb_dir):
    """A new client must rebuild our embedding function, not Chroma's downloading default."""
    kb = KnowledgeBase.open_existing(kb_dir)
    assert kb.collection._embedding_function.name() == "ragft-minilm-l6-v2"
    assert kb.query(["City_3"], 1)[0][0].text.startswith("City_3")


def test_missing_and_bad_knowledge_bases(tmp_path):
    with pytest.raises(RagftError, match="no knowledge base"):
        KnowledgeBase.open_existing(tmp_path / "nothing")
    with pytest.raises(RagftError, match="collection name"):
        KnowledgeBase(tmp_path / "kb", "x")

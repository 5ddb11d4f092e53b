"""Hybrid retrieval on near-duplicate names, fusion, BM25, and citation checks."""

import pytest

from ragft.data.questions import passage_id, passages, qa_items
from ragft.rag.citations import check_citations, cited_numbers
from ragft.rag.fusion import convex_combination, reciprocal_rank_fusion
from ragft.rag.hits import Hit
from ragft.rag.lexical import LexicalIndex
from ragft.rag.retriever import RetrievalSettings, Retriever
from ragft.rag.store import KnowledgeBase


@pytest.fixture(scope="module")
def kb(tmp_path_factory, cities):
    kb = KnowledgeBase(tmp_path_factory.mktemp("kb"))
    kb.add(passages(cities))
    return kb


def ranks(retriever, items):
    found = retriever.retrieve([i.question for i in items])
    return [
        ([h.id for h in hits].index(i.passage_id) + 1 if i.passage_id in [h.id for h in hits] else None)
        for i, hits in zip(items, found)
    ]


def test_near_duplicate_names_rank_the_right_city_first(kb, cities):
    items = {i.question: i for i in qa_items(cities)}
    wanted = [items[f"What is the population of City_{n}?"] for n in (7, 70, 77, 1, 10, 100)]
    assert ranks(Retriever(kb), wanted) == [1] * 6


@pytest.mark.parametrize("fusion, depth", [("rrf", 100), ("convex", 20)])
def test_hybrid_beats_dense_alone_on_all_100(kb, cities, fusion, depth):
    items = qa_items(cities)
    dense = ranks(Retriever(kb, RetrievalSettings(methods=("dense",), k=5)), items)
    hybrid = ranks(Retriever(kb, RetrievalSettings(k=5, candidates=depth, fusion=fusion)), items)
    assert all(r is not None for r in hybrid)  # hit@5 = 1.0
    assert sum(r == 1 for r in hybrid) >= 99  # hit@1 >= 0.99
    assert sum(r == 1 for r in hybrid) > sum(r == 1 for r in dense)


def test_convex_combination_keeps_score_distances():
    ids, texts = ["near", "named", "other"], {"near": "N", "named": "M", "other": "O"}
    # Dense slightly prefers a near-namesake; BM25 alone matches the exact name, by far.
    fused = convex_combination(ids, texts, dense=[0.80, 0.75, 0.40], lexical=[0.0, 9.0, 0.0], dense_weight=0.4)
    assert [h.id for h in fused] == ["named", "near", "other"]
    assert fused[0].score == pytest.approx(0.4 * 0.875 + 0.6 * 1.0)  # min-max: (0.75 - 0.4) / 0.4 = 0.875
    assert fused[1].score == pytest.approx(0.4)
    assert [h.id for h in convex_combination(ids, texts, [0.5] * 3, [1.0] * 3, 0.4)] == ids  # ties keep order
    assert convex_combination([], {}, [], [], 0.4) == []


def test_convex_fusion_scores_every_candidate_with_both_methods(kb):
    retriever = Retriever(kb, RetrievalSettings(k=3, candidates=5, fusion="convex"))
    [hits] = retriever.retrieve(["What is the population of City_7?"])
    # BM25 (weight 0.6) alone matches City_7; dense prefers its near-namesakes: the lexical lead decides.
    assert hits[0].text == "City_7 has about 1819583 inhabitants." and 0.6 <= hits[0].score <= 1.0
    assert hits[0].score > hits[1].score >= hits[2].score
    ids = [[h.id for h in hits]]
    from ragft.rag.embeddings import embed_array

    [dense] = kb.similarities(embed_array(["What is the population of City_7?"]), ids)
    assert all(-1.0 <= d <= 1.0 for d in dense)
    [lexical] = retriever.lexical().scores(["What is the population of City_7?"], ids + [["unknown"]])[:1]
    assert lexical[0] > 0 and lexical[1:] == [0.0, 0.0]  # City_77 etc. share no term with the question


def test_bm25_matches_exact_tokens_and_skips_unrelated():
    index = LexicalIndex(
        {"a": "City_7 has about 1 inhabitants.", "b": "City_77 has about 2 inhabitants.", "c": "Oulu is in Finland."}
    )
    [hits] = index.query(["What is the population of City_7?"], 3)
    assert [h.id for h in hits] == ["a"]  # City_77 shares no term with the question
    assert index.query(["the of"], 3) == [[]]  # only stopwords: nothing to match


def test_reciprocal_rank_fusion():
    a = [Hit("x", "X", 0.9), Hit("y", "Y", 0.8), Hit("z", "Z", 0.7)]
    b = [Hit("z", "Z", 12.0), Hit("x", "X", 3.0)]
    fused = reciprocal_rank_fusion([a, b], k=3, c=60)
    assert [h.id for h in fused] == ["x", "z", "y"]
    assert fused[0].score == pytest.approx(1 / 61 + 1 / 62, abs=1e-6)
    assert [h.id for h in reciprocal_rank_fusion([a, []], k=2)] == ["x", "y"]


def test_citations_are_checked_against_the_cited_passage():
    passages_ = ["City_77 has about 3784531 inhabitants.", "City_7 has about 1819583 inhabitants."]
    q = "What is the population of City_7?"
    assert cited_numbers("City_7 has about 1819583 inhabitants [2][1] [2].") == [2, 1]
    checks = check_citations("City_7 has about 1819583 inhabitants [2][1].", passages_, q)
    assert [(c.number, c.valid) for c in checks] == [(2, True), (1, False)]
    assert [c.valid for c in check_citations("It has 1,819,583 people [2]", passages_, q)] == [True]
    assert [c.valid for c in check_citations("1819583 [3]", passages_, q)] == [False]  # no passage 3
    assert check_citations("1819583", passages_, q) == []
    words = check_citations("It is in Oulu [1].", ["Nokia is headquartered in Oulu."], "Where is Nokia?")
    assert [c.valid for c in words] == [True]


PRODUCTS = (
    "Product Line-up › Bikes › Lumen X1: The Lumen X1 is our city bike. It costs 640 euros. "
    "The Lumen X2 adds a battery and weighs 19 kg."
)


def test_a_citation_needs_a_sentence_stating_the_value_about_what_was_asked():
    # The case: the cited chunk holds 640, but as another product's price.
    wrong = check_citations("The Lumen X2 costs 640 euros [1].", [PRODUCTS], "How much does the Lumen X2 cost?")
    assert [(c.valid, c.sentence) for c in wrong] == [(False, None)]
    right = check_citations("It costs 640 euros [1].", [PRODUCTS], "How much does the Lumen X1 cost?")
    assert [(c.valid, c.sentence) for c in right] == [(True, "It costs 640 euros.")]  # the header names the X1
    # A wrong number in the right chunk is caught too.
    assert not check_citations("It costs 650 euros [1].", [PRODUCTS], "How much does the Lumen X1 cost?")[0].valid
    weighs = check_citations("19 kg [1]", [PRODUCTS], "How much does the Lumen X2 weigh?")[0]
    assert weighs.valid and weighs.sentence == "The Lumen X2 adds a battery and weighs 19 kg."


def test_subject_words_are_names_and_codes_else_content_words():
    from ragft.rag.citations import subject_words

    assert subject_words("How much does the Lumen X2 cost?") == {"lumen", "x2"}
    assert subject_words("In what year was Mara Olsen born?") == {"mara", "olsen"}
    assert subject_words("What is Mara Olsen's trade?") == {"mara", "olsen"}
    assert subject_words("What is the population of City_7?") == {"city", "7"}
    assert subject_words("how long is the warranty on tyres?") == {"warranty", "tyre"}


def test_passage_ids_are_content_hashes():
    assert passage_id("a") == passage_id("a") != passage_id("b")


def test_agreement_keeps_only_passages_every_method_found(kb):
    question = ["What is the population of City_7?"]
    [all_k] = Retriever(kb, RetrievalSettings(k=5, agreement=False)).retrieve(question)
    [kept] = Retriever(kb, RetrievalSettings(k=5, agreement=True)).retrieve(question)
    assert len(all_k) == 5 and all_k[0].text == "City_7 has about 1819583 inhabitants."
    # BM25 finds City_7's passage alone (City_77 shares no term with the question): the rest is dropped.
    assert [h.text for h in kept] == ["City_7 has about 1819583 inhabitants."]
    [paraphrase] = Retriever(kb, RetrievalSettings(k=5, agreement=True)).retrieve(["how many live there"])
    assert len(paraphrase) == 5  # no lexical match anywhere: nothing to agree on, the fused top 5 stays

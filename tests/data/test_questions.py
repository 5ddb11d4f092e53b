from ragft.data.questions import passage_id, passages, qa_items


def test_items_take_the_last_answer_and_its_question(cities):
    items = qa_items(cities)
    assert len(items) == 100
    assert items[0].question == "What is the population of City_1?"
    assert items[0].reference == "City_1 has about 1967825 inhabitants."
    assert items[0].passage_id == passage_id(items[0].reference)
    assert {i.split for i in items} == {"train"}


def test_passages_are_deduplicated_by_content():
    convs = [
        {"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "same"}]} for i in range(3)
    ]
    assert list(passages(convs).values()) == ["same"]
    assert len(qa_items(convs)) == 3

"""The value slot: an answer stating none of its passages' values of the asked kind gets the model's choice."""

import torch

from ragft.models.generation import ChatModel, LocalChatModel
from ragft.rag.value_slot import Candidate, candidates, choose_value, ensure_values, settle

PRICE = "How much does the Ledger pannier cost?"
PANNIER = "Accessories: Ledger pannier – waterproof rear bag, 22 litres, 95 euros."
TRAVEL = "Travel: The hotel limit is 160 euros per night, or 200 euros per night in capital cities."


def test_candidates_are_the_passages_values_of_the_asked_kind():
    assert candidates(PRICE, [PANNIER]) == [Candidate("95 euros", 1)]
    assert candidates("What is the Ledger made of?", [PANNIER]) == []  # untyped question
    found = candidates("How much may a hotel night cost?", [PANNIER, TRAVEL])
    assert found == [Candidate("95 euros", 1), Candidate("160 euros", 2), Candidate("200 euros", 2)]
    assert candidates("Who is the site safety officer?", ["Leipzig: The site safety officer is Udo Brandt."]) == [
        Candidate("Udo Brandt", 1)
    ]


def test_answers_stating_none_of_them_go_to_the_model():
    found = candidates(PRICE, [PANNIER])
    assert settle(PRICE, "The Ledger pannier is £1.10 [1].", found, [PANNIER]) == (None, found)  # invented
    assert settle(PRICE, "It holds 22 litres.", found, [PANNIER]) == (None, found)  # another kind of value
    assert settle(PRICE, "The Ledger pannier costs 95 euros [1].", found, [PANNIER]) == (None, [])
    assert settle(PRICE, "I don't know.", found, [PANNIER]) == (None, [])  # abstentions are kept
    assert settle(PRICE, "The CONTEXT does not say.", found, [PANNIER]) == (None, [])
    untyped = "What is the Ledger made of?"
    assert settle(untyped, "A bag.", candidates(untyped, [PANNIER]), [PANNIER]) == (None, [])


def _prompt(question, passage):
    return [{"role": "user", "content": f"CONTEXT: [1]: {passage}\nQUESTION: {question}"}]


def test_the_choice_is_the_candidate_with_the_best_mean_log_probability(tiny):
    question = "How much is the hotel limit per night?"
    messages = _prompt(question, TRAVEL)
    found = candidates(question, [TRAVEL]) + [Candidate("7.5 million euros", 1)]
    chosen = choose_value(tiny.model, tiny.tokenizer, messages, found)
    prompt = tiny.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    scores = []
    for c in found:  # one sequence at a time, no padding
        ids = tiny.tokenizer(c.text, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            logprobs = torch.log_softmax(tiny.model(input_ids=torch.tensor([prompt + ids])).logits[0], -1)
        scores.append(float(sum(logprobs[len(prompt) - 1 + j, t] for j, t in enumerate(ids)) / len(ids)))
    assert chosen == found[max(range(len(found)), key=lambda i: scores[i])]


def test_ensure_values_rewrites_only_answers_that_need_it(tiny):
    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    questions = [PRICE, PRICE, "What is the Ledger?"]
    out = ensure_values(
        chat,
        [_prompt(q, PANNIER) for q in questions],
        questions,
        ["It costs 95 euros.", "It is £1.10.", "A bag."],
        [[PANNIER]] * 3,
        spans=False,
    )
    assert out == [("It costs 95 euros.", False), ("95 euros [1].", True), ("A bag.", False)]


def test_a_question_of_no_recognised_kind_is_answered_with_the_most_likely_span(tiny):
    """No value of a recognised kind in the passage: its terms compete, and the model's favourite is the answer."""
    from ragft.rag.spans import candidate_spans

    chat = LocalChatModel(tiny.model, tiny.tokenizer)
    question = "Which package does ORJSONResponse need?"
    passage = "fastapi › Optional: Used by FastAPI: `orjson` - Required if you want to use `ORJSONResponse`."
    messages = _prompt(question, passage)
    [(answer, chosen)] = ensure_values(chat, [messages], [question], ["Version 1.1.2.2 of it."], [[passage]])
    pool = [Candidate(s.text, s.passage) for s in candidate_spans(question, [passage])]
    assert chosen and answer == f"{choose_value(tiny.model, tiny.tokenizer, messages, pool).text} [1]."
    assert ensure_values(chat, [messages], [question], ["I don't know."], [[passage]]) == [("I don't know.", False)]
    # an answer that states one of the candidates stands
    assert ensure_values(chat, [messages], [question], ["It needs orjson [1]."], [[passage]]) == [
        ("It needs orjson [1].", False)
    ]
    assert ensure_values(chat, [messages], [question], ["A."], [[passage]], spans=False) == [("A.", False)]


def test_remote_models_are_left_alone():
    class Remote(ChatModel):
        def complete(self, conversations, settings, progress=None):
            raise AssertionError("not called")

    assert ensure_values(Remote(), [_prompt(PRICE, PANNIER)], [PRICE], ["£1.10"], [[PANNIER]]) == [("£1.10", False)]


def test_names_the_question_uses_are_not_candidates_whatever_their_punctuation():
    found = candidates(
        "Who is the chief executive of Jarvell Works?", ["Cosima Haverkamp is the chief executive of Jarvell Works."]
    )
    assert found == [Candidate("Cosima Haverkamp", 1)]
    assert candidates("Who is Mara Olsen employed by?", ["Mara Olsen is employed by Orrin & Blake."]) == [
        Candidate("Orrin & Blake", 1)
    ]


FARES = "Ferry › Skerra Island: Fares (single): adult £14.50, child (5–15) £7.25, car including driver £46."


def _settle(question, answer, passage):
    return settle(question, answer, candidates(question, [passage]), [passage])


def test_one_stated_value_stands_unless_its_clause_is_the_wrong_one():
    assert _settle(PRICE, "It costs 95 euros [1].", PANNIER) == (None, [])
    question = "What is the hotel limit per night in capital cities?"
    assert _settle(question, "The limit is 200 euros [1].", TRAVEL) == (None, [])
    assert _settle(question, "The limit is 160 euros [1].", TRAVEL) == (Candidate("200 euros", 1), [])
    # no clause wins: the reader's answer stands
    assert _settle("What is the hotel limit per night?", "It is 160 euros [1].", TRAVEL) == (None, [])


def test_several_stated_values_invented_numbers_and_stray_values_are_settled():
    question = "How much does it cost to take a car including driver on the ferry?"
    assert _settle(question, "Adult £14.50 and car £46 [1].", FARES) == (Candidate("£46", 1), [])
    # a number no passage states beside the right value: settled (by the clause here)
    adult = "How much is an adult single ticket on the ferry?"
    assert _settle(adult, "A 24-hour ferry; the ticket is £14.50 [1].", FARES) == (Candidate("£14.50", 1), [])
    # a year of the header beside the right one: the only candidate goes to the model, which needs no asking
    history = "History › The garage years (2009–2012): Aldmere was founded in 2009."
    assert _settle("In which year was Aldmere founded?", "The garage years (2009–2012) began in 2009.", history) == (
        None,
        [Candidate("2009", 1)],
    )
    # nothing stated, no clause wins: every candidate goes to the model
    found = candidates("How much is it?", [TRAVEL])
    assert settle("How much is it?", "It is £3.", found, [TRAVEL]) == (None, found)
    assert _settle(PRICE, "I don't know.", PANNIER) == (None, [])  # abstentions are kept


def test_an_answer_copying_one_phrase_that_holds_several_values_stands():
    bonfires = "Site Rules › Bonfires: Bonfires are allowed from 1 November, and then only on Wednesdays and Saturdays."
    days = "On which days of the week are bonfires allowed?"
    assert _settle(days, "Bonfires are allowed on Wednesdays and Saturdays [1].", bonfires) == (None, [])
    potatoes = "Shop: Seed potatoes are ordered each January from Pennick and Daw of Brackenford."
    firm = "Which firm supplies seed potatoes?"
    assert _settle(firm, "Pennick and Daw [1].", potatoes) == (None, [])
    # several values not written as one phrase of the passage still go to the model
    assert _settle(firm, "Pennick or Brackenford [1].", potatoes)[1] == [
        Candidate("Pennick", 1),
        Candidate("Brackenford", 1),
    ]


def test_several_stated_values_compete_in_the_sentence_that_states_them():
    pool = (
        "Pools › Main pool: The main pool is 25 metres long and has six lanes. It is 1.1 metres deep at the "
        "shallow end and shelves to 2.3 metres at the deep end, under the viewing gallery."
    )
    question = "How deep is the water at the deep end of the main pool?"
    answer = "It is 1.1 metres deep at the shallow end and 2.3 metres at the deep end [1]."
    assert _settle(question, answer, pool) == (Candidate("2.3 metres", 1), [])

"""Style rules: each catches the breach it names and nothing else."""

import pytest

from ragft.data import support
from ragft.evaluate.study_config import StyleConfig
from ragft.evaluate.style import Style

TEXT = Style.from_config(StyleConfig(**support.style("text")))
JSON = Style.from_config(StyleConfig(**support.style("json")))
GOOD = (
    "Hello, thank you for contacting Northwind Support. I am sorry that your kettle stopped working. "
    "Could you please send me your serial number? Kind regards, Northwind Support."
)


def failed(style, reply, reference=GOOD):
    return {rule for rule, ok in style.check(reply, reference).items() if not ok}


@pytest.mark.parametrize(
    "reply, broken",
    [
        (GOOD, set()),
        (GOOD.replace("Hello, thank you", "Hi, thanks"), {"greeting"}),
        (GOOD.replace("Kind regards, Northwind Support.", "Cheers!"), {"sign-off", "forbidden"}),
        (GOOD.replace("working.", "working!"), {"forbidden"}),
        (GOOD.replace("serial number", "order number"), {"identifier"}),
        (GOOD.replace("serial number", "serial number and your email address"), {"identifier"}),
        (GOOD.replace("I am sorry", "I am " + "very " * 30 + "sorry"), {"words"}),
    ],
)
def test_text_rules(reply, broken):
    assert failed(TEXT, reply) == broken


def test_identifiers_match_whole_phrases_in_any_case():
    assert TEXT.named("Please send your Serial Number.") == {"serial number"}
    assert TEXT.named("a serial numbers list") == set()


def test_json_rules_and_text_rules_inside_the_reply_field():
    ref = '{"intent": "warranty", "reply": "%s", "needs_id": "serial_number"}' % GOOD
    assert failed(JSON, ref, ref) == set()
    assert failed(JSON, "```json\n" + ref + "\n```", ref) == set()  # a fenced object is still the object
    assert failed(JSON, ref.replace('"warranty"', '"refund"'), ref) == {"values"}
    assert failed(JSON, ref.replace('"intent"', '"topic"'), ref) == {"keys", "values"}
    assert failed(JSON, ref.replace("Hello,", "Hey,"), ref) == {"greeting"}
    # not an object: nothing usable, every rule fails
    assert failed(JSON, GOOD, ref) == set(JSON.rules())
    assert failed(JSON, "[1, 2]", ref) == set(JSON.rules())


def test_required_phrases_and_named_patterns():
    style = Style.from_config(StyleConfig(required=["ticket"], patterns={"ends politely": r"(?i)thanks\.$"}))
    assert style.rules().keys() == {"required", "ends politely"}
    assert failed(style, "Your TICKET is open. Thanks.") == set()
    assert failed(style, "Your case is open. Thanks!") == {"required", "ends politely"}

"""Synthetic customer-support conversations with a house style a program can check (the lecture's example of
what fine-tuning is for: polite replies that ask for the order ID).

Every reply opens with a fixed greeting, acknowledges the problem in one sentence, asks for exactly the one
identifier the request needs, and closes with a fixed sign-off, in at most MAX_WORDS words and without an
exclamation mark. In the json format the reply is an object {"intent", "reply", "needs_id"}.

Train and test user messages come from disjoint templates and disjoint slot values (products, times), so a
test message was never seen in training, even in part: the style has to transfer, not the text.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

COMPANY = "Northwind"
GREETING = "Hello, thank you for contacting Northwind Support."
SIGN_OFF = "Kind regards, Northwind Support."
MAX_WORDS = 45
SYSTEM = "You are Northwind's customer support assistant."
IDENTIFIERS = {
    "order_number": "order number",
    "email_address": "email address",
    "invoice_number": "invoice number",
    "serial_number": "serial number",
    "tracking_number": "tracking number",
}
FORMATS = ("text", "json")
SPLITS = ("train", "test")


@dataclass(frozen=True)
class Intent:
    name: str
    needs: str  # a key of IDENTIFIERS
    when: str  # for the instructions: which requests need this identifier
    acknowledge: tuple[str, ...]  # the reply's first sentence after the greeting
    train: tuple[str, ...]  # user message templates: {product}, {time}
    test: tuple[str, ...]


INTENTS = (
    Intent(
        "order_status",
        "order_number",
        "where an order is, or when it will arrive",
        ("I am sorry that your {product} has not arrived yet.", "I understand you are waiting for your {product}."),
        (
            "Where is my {product}? I ordered it {time} and it still has not arrived.",
            "hi, my {product} order from {time} hasn't shown up yet. any update?",
            "I ordered a {product} {time}. When will it be delivered?",
            "Can you tell me the status of the {product} I bought {time}?",
            "My {product} was supposed to arrive by now, I ordered {time}.",
        ),
        (
            "It's been ages since I ordered the {product} ({time}) and nothing has come.",
            "Could you check on my {product} delivery? Ordered {time}.",
            "still waiting for the {product} i paid for {time}, where is it",
        ),
    ),
    Intent(
        "refund",
        "order_number",
        "returns and refunds",
        ("I am sorry the {product} did not work out for you.", "I can help you return the {product}."),
        (
            "I want to return the {product} I bought {time} and get my money back.",
            "How do I get a refund for a {product}? I bought it {time}.",
            "the {product} i got {time} is not what i expected, i'd like a refund",
            "Please refund my {product}, I ordered it {time}.",
            "Can I send back the {product} from {time}?",
        ),
        (
            "I'd like my money back for the {product}, purchased {time}.",
            "Returning the {product} I ordered {time} - how does the refund work?",
            "refund request: {product}, bought {time}",
        ),
    ),
    Intent(
        "change_address",
        "order_number",
        "changing the delivery address of an order",
        (
            "I can help you change where your {product} is delivered.",
            "I understand the {product} needs to go to a different address.",
        ),
        (
            "I need to change the delivery address for the {product} I ordered {time}.",
            "I moved! Can you send my {product} to my new address?",
            "wrong address on my {product} order from {time}, can you fix it",
            "Please ship the {product} to my office instead of my home.",
            "Is it too late to change the shipping address for my {product}?",
        ),
        (
            "The {product} I ordered {time} should go to another address.",
            "Can the {product} be delivered to my neighbour's address instead?",
            "update delivery address for {product} order please",
        ),
    ),
    Intent(
        "login",
        "email_address",
        "logging in, passwords and account access",
        ("I am sorry you cannot get into your account.", "I can help you get back into your account."),
        (
            "I can't log in to my account since {time}.",
            "My password reset email never arrives, I tried {time}.",
            "locked out of my account since {time}, help",
            "The app keeps saying my password is wrong, it started {time}.",
            "How do I reset my password? I have not been able to sign in since {time}.",
        ),
        (
            "I forgot my password and the reset link does not work.",
            "Your website won't let me sign in anymore ({time}).",
            "account access problem: login fails every time since {time}",
        ),
    ),
    Intent(
        "billing",
        "invoice_number",
        "charges, payments and invoices",
        (
            "I am sorry about the trouble with your payment for the {product}.",
            "I understand there is a problem with the charge for your {product}.",
        ),
        (
            "I was charged twice for my {product} {time}.",
            "Why did you take money from my card {time}? I only bought one {product}.",
            "the price on my bill for the {product} is wrong",
            "I see a charge I don't recognise from {time}, something about a {product}.",
            "Can you explain the extra fee on my {product} invoice?",
        ),
        (
            "My bank shows two payments for one {product} from {time}.",
            "I think I was overcharged for the {product} I got {time}.",
            "double charge on the {product}, please check",
        ),
    ),
    Intent(
        "warranty",
        "serial_number",
        "a broken or faulty product and its warranty",
        ("I am sorry that your {product} stopped working.", "I can help you with the warranty for your {product}."),
        (
            "My {product} stopped working {time}. Is it still under warranty?",
            "the {product} won't turn on anymore since {time}",
            "My {product} makes a strange noise since {time}, can you repair it?",
            "Is a broken screen on a {product} covered by the warranty?",
            "The {product} I have is faulty, it broke {time}.",
        ),
        (
            "Since {time} my {product} has been broken. What can I do?",
            "warranty claim for a {product} that died {time}",
            "Can you fix my {product}? It stopped charging {time}.",
        ),
    ),
    Intent(
        "missing_parcel",
        "tracking_number",
        "a parcel marked as delivered that never arrived",
        (
            "I am sorry that your {product} parcel did not reach you.",
            "I understand the {product} is marked as delivered but you do not have it.",
        ),
        (
            "The tracking says my {product} was delivered {time} but I never got it.",
            "my {product} parcel shows delivered {time}, nothing at my door",
            "The courier says the {product} was left at my house {time}, but it is not here.",
            "Delivered? The {product} never came, the app says it arrived {time}.",
            "Someone signed for my {product} {time} and it wasn't me.",
        ),
        (
            "My parcel with the {product} is marked delivered since {time} but I do not have it.",
            "the {product} package vanished, status says delivered {time}",
            "Parcel with my {product} lost after 'delivered' {time}?",
        ),
    ),
)
ASKS = (
    "Could you please send me your {identifier}?",
    "Please reply with your {identifier} so I can check this.",
    "Could you share your {identifier} so I can look into it?",
)
PRODUCTS = {
    "train": (
        "desk lamp",
        "coffee grinder",
        "rain jacket",
        "bluetooth speaker",
        "yoga mat",
        "kettle",
        "phone case",
        "office chair",
        "blender",
        "backpack",
        "smartwatch",
        "air fryer",
    ),
    "test": (
        "hair dryer",
        "electric toothbrush",
        "camping stove",
        "webcam",
        "toaster",
        "standing desk",
        "robot vacuum",
        "gaming mouse",
    ),
}
TIMES = {
    "train": ("last week", "on Monday", "two weeks ago", "yesterday", "on the 3rd"),
    "test": ("ten days ago", "on Friday", "last month", "this morning"),
}


def instructions(format: str = "text") -> str:  # noqa: A002 - the CLI's word
    """The long prompt of the zero-shot arm: everything the house style asks, spelled out."""
    needs = "\n".join(
        f"   - {IDENTIFIERS[need]}: {', '.join(i.when for i in INTENTS if i.needs == need)}" for need in IDENTIFIERS
    )
    text = (
        f"You are the customer support assistant of {COMPANY}, an online shop. Write every reply in the house "
        f'style:\n1. Begin with exactly: "{GREETING}"\n2. Then one short sentence that acknowledges the '
        "customer's problem.\n3. Then ask for exactly one identifier, the one the request needs, and no other:\n"
        f'{needs}\n4. End with exactly: "{SIGN_OFF}"\n5. At most {MAX_WORDS} words in all. No exclamation '
        "marks. Do not try to solve the problem yet."
    )
    if format == "json":
        text += (
            '\nAnswer with one JSON object and nothing else, with exactly these keys: "intent" (one of '
            f'{", ".join(i.name for i in INTENTS)}), "reply" (the reply text in the house style above) and '
            f'"needs_id" (one of {", ".join(IDENTIFIERS)}).'
        )
    return text


def style(format: str = "text") -> dict:  # noqa: A002
    """The house style as a style spec (config.StyleConfig's fields; evaluate/style.py checks it)."""
    spec = {
        "patterns": {"greeting": "^" + _escape(GREETING), "sign-off": _escape(SIGN_OFF) + r"\s*$"},
        "forbidden": ["!"],
        "max_words": MAX_WORDS,
        "identifiers": list(IDENTIFIERS.values()),
    }
    if format == "json":
        spec.update(json_keys=["intent", "reply", "needs_id"], json_text_key="reply", match_keys=["intent", "needs_id"])
    return spec


def _escape(text: str) -> str:
    """A regex matching `text` literally, spaces left readable."""
    import re

    return re.escape(text).replace("\\ ", " ")


def reply_text(intent: Intent, product: str, rng: random.Random) -> str:
    ack = rng.choice(intent.acknowledge).format(product=product)
    ask = rng.choice(ASKS).format(identifier=IDENTIFIERS[intent.needs])
    return f"{GREETING} {ack} {ask} {SIGN_OFF}"


def conversations(n: int, seed: int = 42, format: str = "text", split: str = "train") -> list[dict]:  # noqa: A002
    """n conversations of one split: a one-line system prompt, a user message, the reply in the house style."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    rng = random.Random(f"support-{seed}-{split}")
    out = []
    for k in range(n):
        intent = INTENTS[k % len(INTENTS)] if k < len(INTENTS) else rng.choice(INTENTS)
        product, time = rng.choice(PRODUCTS[split]), rng.choice(TIMES[split])
        user = rng.choice(getattr(intent, split)).format(product=product, time=time)
        reply = reply_text(intent, product, rng)
        if format == "json":
            reply = json.dumps({"intent": intent.name, "reply": reply, "needs_id": intent.needs})
        out.append(
            {
                "messages": [
                    {"role": "system", "content": SYSTEM},
                    {"role": "user", "content": user},
                    {"role": "assistant", "content": reply},
                ]
            }
        )
    return out

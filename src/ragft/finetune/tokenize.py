"""Chat conversation -> (input_ids, labels) with the loss on assistant replies only."""

from __future__ import annotations

from ragft.finetune.chat_format import template_kwargs, template_messages

IGNORE = -100  # label value the loss skips


def tokenize_conversation(
    tokenizer, messages: list[dict], max_length: int | None = None, tools: list | None = None
) -> dict:
    """Tokenize segment by segment through the chat template.

    The text the template adds for message k is the difference between the rendering of
    messages[:k+1] and messages[:k]; for an assistant message the part before its content
    (the generation prompt, e.g. `<|im_start|>assistant\\n`) is prompt, the rest is trained on
    unless the message has OpenAI's `weight: 0`. Tool calls and tools: finetune/chat_format.py.
    """
    messages = template_messages(tokenizer, messages, tools)
    extra = template_kwargs(tokenizer, tools)
    ids: list[int] = []
    labels: list[int] = []
    previous = ""
    for k, message in enumerate(messages):
        rendered = tokenizer.apply_chat_template(messages[: k + 1], tokenize=False, **extra)
        if message["role"] == "assistant":
            with_prompt = tokenizer.apply_chat_template(
                messages[:k], tokenize=False, add_generation_prompt=True, **extra
            )
            prompt_part, answer_part = with_prompt[len(previous) :], rendered[len(with_prompt) :]
            _extend(tokenizer, ids, labels, prompt_part, train=False)
            _extend(tokenizer, ids, labels, answer_part, train=message.get("weight", 1) != 0)
        else:
            _extend(tokenizer, ids, labels, rendered[len(previous) :], train=False)
        previous = rendered
    if max_length is not None:
        ids, labels = ids[:max_length], labels[:max_length]
    return {"input_ids": ids, "labels": labels}


def _extend(tokenizer, ids: list[int], labels: list[int], text: str, train: bool) -> None:
    if not text:
        return
    piece = tokenizer(text, add_special_tokens=False)["input_ids"]
    ids.extend(piece)
    labels.extend(piece if train else [IGNORE] * len(piece))


def count_tokens(tokenizer, messages: list[dict], tools: list | None = None) -> int:
    """Tokens of a whole conversation as the model sees it (chat template, tool calls and tools included)."""
    return len(
        tokenizer.apply_chat_template(
            template_messages(tokenizer, messages, tools),
            tokenize=True,
            return_dict=False,
            **template_kwargs(tokenizer, tools),
        )
    )

"""The training loss, computed without work nobody needs; equal to the model's own loss and gradients.

A padded batch (rows x width) is rewritten as one packed sequence, a *prefix tree*:

    [ prefix all rows share | row 0's own tokens | row 1's own tokens | ... ]

with an attention mask that lets each row's tokens see the shared prefix and their own earlier
tokens only, and position ids that restart each row after the prefix. So

- no padding runs through the model, and the system prompt and question opening that every row
  of a batch starts with run once, not once per row;
- every weight sees all the batch's tokens in one matmul, so its gradient is one well-shaped
  matmul (a separate pass over the prefix would add a second, thin one and a sum per weight);
- the vocabulary projection (for SmolLM2 a 576 x 49152 matmul, ~20 % of the model's FLOPs) and
  its gradient run only where a label is trained on, not on prompts;
- with tied input/output embeddings the input side's gradient (the rows of the tokens used) is
  added into the output side's dense one in place, instead of a zero-filled 49152 x 576 copy plus
  a full-size sum per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ragft.finetune.distill import soft_cross_entropy
from ragft.finetune.tokenize import IGNORE
from ragft.models.precision import cpu_has_amx


@dataclass
class PackedBatch:
    """A padded batch laid out as one prefix-tree sequence."""

    input_ids: object  # (1, L) long
    position_ids: object  # (1, L) long
    segment: object  # (L,) long: -1 for the shared prefix, else the row the token belongs to
    index: object  # (rows, width) long: where token t of row r sits in the packed sequence (-1: padding)

    def attention_mask(self, boolean: bool, dtype=None):
        """(1, 1, L, L) mask: a token sees earlier tokens of its own row and the whole shared prefix."""
        import torch

        length = self.segment.shape[0]
        causal = torch.ones(length, length, dtype=torch.bool, device=self.segment.device).tril_()
        same_row = (self.segment[:, None] == self.segment[None, :]) | (self.segment[None, :] < 0)
        allowed = (causal & same_row)[None, None]
        if boolean:
            return allowed
        mask = torch.zeros(allowed.shape, dtype=dtype, device=allowed.device)
        return mask.masked_fill_(~allowed, torch.finfo(dtype).min)


def pack(input_ids, attention_mask) -> PackedBatch:
    """Lay out a right-padded batch (rows x width, mask 1 then 0) as one prefix-tree sequence."""
    import torch

    rows, width = input_ids.shape
    on = {"device": input_ids.device}
    lengths = attention_mask.sum(dim=1).tolist()
    shared = shared_prefix(input_ids, attention_mask)
    pieces = [input_ids[0, :shared]]
    positions = [torch.arange(shared, **on)]
    segments = [torch.full((shared,), -1, **on)]
    index = torch.full((rows, width), -1, dtype=torch.long, **on)
    index[:, :shared] = torch.arange(shared, **on)
    offset = shared
    for r, length in enumerate(lengths):
        own = length - shared
        pieces.append(input_ids[r, shared:length])
        positions.append(torch.arange(shared, length, **on))
        segments.append(torch.full((own,), r, **on))
        index[r, shared:length] = torch.arange(offset, offset + own, **on)
        offset += own
    return PackedBatch(torch.cat(pieces)[None], torch.cat(positions)[None], torch.cat(segments), index)


def shared_prefix(input_ids, attention_mask) -> int:
    """Leading tokens all rows share, leaving each row at least one token of its own."""
    if input_ids.shape[0] < 2:
        return 0
    same = (input_ids == input_ids[:1]).all(dim=0)
    limit = int(attention_mask.sum(dim=1).min()) - 1
    differ = (~same).nonzero()
    first_difference = int(differ[0]) if len(differ) else input_ids.shape[1]
    return max(0, min(first_difference, limit))


def labelled_loss(model, input_ids, attention_mask, labels, work: dict | None = None, soft=None):
    """Mean cross-entropy over the shifted labels that are not IGNORE, as the model's own loss.

    Models that cannot take a custom attention mask fall back to the padded batch (still with the
    head only on labelled positions). `work`, if given, counts the tokens the body and the head ran on.
    `soft`, if given, is (ids, probs) from finetune/distill.py's target_tensors: the cross-entropy is then against
    those distributions (a teacher's top-k, or the label with weight 1).
    """
    import torch.nn.functional as F

    core = core_model(model)
    decoder = core.get_decoder()
    targets = labels[:, 1:]
    keep = targets != IGNORE
    mask_kind = _mask_kind(core)
    if mask_kind:
        packed = pack(input_ids, attention_mask)
        embeds = _embed(core, packed.input_ids)
        mask = packed.attention_mask(mask_kind == "bool", embeds.dtype)
        hidden = decoder(
            inputs_embeds=embeds, attention_mask=mask, position_ids=packed.position_ids, use_cache=False
        ).last_hidden_state[0]
        labelled = hidden[packed.index[:, :-1][keep]]
        body = packed.input_ids.shape[1]
    else:
        hidden = decoder(
            inputs_embeds=_embed(core, input_ids), attention_mask=attention_mask, use_cache=False
        ).last_hidden_state
        labelled = hidden[:, :-1][keep]
        body = int(attention_mask.sum())
    logits = _project(core.get_output_embeddings(), labelled)
    if work is not None:
        work["body_tokens"] = work.get("body_tokens", 0) + body
        work["head_tokens"] = work.get("head_tokens", 0) + int(keep.sum())
    if soft is not None:
        ids, probs = soft
        return soft_cross_entropy(logits, ids[:, 1:][keep], probs[:, 1:][keep])
    return F.cross_entropy(logits.float(), targets[keep])


def _project(head, hidden):
    """The vocabulary projection.

    Under bf16 autocast it runs in bf16, except on an AMX CPU, where it runs in fp32 (there casting the
    49152 x 576 table to bf16 and its gradient back every step cost more than an fp32 matmul over the
    few hundred labelled positions: ~0.2 s of a ~0.9 s SmolLM2 step; on an AVX-512 BF16 EPYC a bf16
    projection made the seed's fine-tune 14-16 % faster, at the same loss). In fp32 on CPU it goes through
    _HeadProjection when the head is a plain Linear.
    """
    import torch

    if hidden.device.type != "cpu" or (torch.is_autocast_enabled("cpu") and not cpu_has_amx()):
        return head(hidden)
    with torch.autocast("cpu", enabled=False):
        if type(head) is torch.nn.Linear and head.bias is None:
            return _head_projection().apply(hidden.float(), head.weight)
        return head(hidden.float())


@lru_cache(maxsize=1)
def _head_projection():
    import torch

    class HeadProjection(torch.autograd.Function):
        """hidden @ weight.T, whose weight gradient is one mm on contiguous operands.

        Autograd's Linear computes it as grad.T @ hidden with grad.T a transposed view: for the
        49152 x N x 576 shape MKL runs that at ~1/3 the speed of the same mm on a contiguous
        copy (measured 106 vs 40 ms, the copy included; 200 ms in a training step).
        """

        @staticmethod
        def forward(ctx, hidden, weight):
            ctx.save_for_backward(hidden, weight)
            return hidden @ weight.t()

        @staticmethod
        def backward(ctx, grad):
            hidden, weight = ctx.saved_tensors
            grad_hidden = grad @ weight if ctx.needs_input_grad[0] else None
            grad_weight = grad.t().contiguous() @ hidden if ctx.needs_input_grad[1] else None
            return grad_hidden, grad_weight

    return HeadProjection


def _embed(core, input_ids):
    """Input embeddings. Where the table is tied to the head (which gives it a dense gradient), the
    lookup's gradient is added into that one in place, at the rows used, when backward reaches it.

    (Autograd would build a zero-filled 49152 x 576 gradient for the lookup, or with sparse=True
    copy the head's dense one to add the sparse rows: ~0.15 s of a ~0.9 s SmolLM2 step.)
    """
    import torch

    table = core.get_input_embeddings()
    head = core.get_output_embeddings()
    weight = table.weight
    tied = head is not None and head.weight is weight
    if not (tied and weight.requires_grad and type(table).forward is torch.nn.Embedding.forward):
        return table(input_ids)
    looked_up = torch.nn.functional.embedding(input_ids, weight.detach(), table.padding_idx).requires_grad_()
    flat_ids = input_ids.reshape(-1)
    trained = None if table.padding_idx is None else flat_ids != table.padding_idx  # as nn.Embedding

    def add_rows(leaf) -> None:
        rows = leaf.grad.reshape(-1, weight.shape[1])
        ids = flat_ids
        if trained is not None:
            ids, rows = ids[trained], rows[trained]
        if weight.grad is None:
            weight.grad = torch.zeros_like(weight)
        weight.grad.index_add_(0, ids, rows.to(weight.grad.dtype))
        leaf.grad = None

    looked_up.register_post_accumulate_grad_hook(add_rows)
    return looked_up


def core_model(model):
    """The causal LM itself (under a LoRA wrapper, the base model with its adapters injected)."""
    return model.get_base_model() if hasattr(model, "get_base_model") else model


def _mask_kind(core) -> str | None:
    """How this model takes a custom 4D attention mask: "bool" (SDPA), "float" (eager) or None.

    None also where rows may not share a prefix's states: dropout (each row would need its own
    sample) or attention that is not plain causal (sliding windows, ...).
    """
    import torch

    config = core.config
    if (
        any(isinstance(m, torch.nn.Dropout) and m.p > 0 for m in core.modules())
        or getattr(config, "attention_dropout", 0.0)
        or getattr(config, "sliding_window", None)
        or getattr(config, "layer_types", None)
        and set(config.layer_types) != {"full_attention"}
    ):
        return None
    return {"sdpa": "bool", "eager": "float"}.get(getattr(config, "_attn_implementation", None))


def supports_labelled_loss(model) -> bool:
    core = core_model(model)
    config = getattr(core, "config", None)
    try:
        plain_head = core.get_decoder() is not None and core.get_output_embeddings() is not None
    except (AttributeError, NotImplementedError):
        return False
    # Models that post-process logits (Gemma's soft-capping, scaled logits) use their own forward.
    return (
        plain_head
        and not getattr(config, "final_logit_softcapping", None)
        and getattr(config, "logit_scale", None) in (None, 1, 1.0)
    )

import pytest
import torch

from ragft.finetune.tokenize import tokenize_conversation
from ragft.finetune.train import TrainSettings, save_finetuned, train
from ragft.models.generation import GenerationSettings, LocalChatModel
from ragft.models.loading import load_model


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_full_training_lowers_loss_and_reloads(tiny, cities, tmp_path):
    steps = []
    before = _weights(tiny.model)
    settings = TrainSettings(method="full", epochs=3, learning_rate=3e-3, batch_size=16)
    model, result = train(
        tiny.model, tiny.tokenizer, cities[:32], settings, on_step=lambda s, total, loss: steps.append((s, total))
    )
    assert result.steps == 6 and len(steps) == 6 and steps[-1] == (6, 6)
    assert result.losses[-1] < result.losses[0]
    assert result.train_tokens > 0
    assert any(not torch.equal(before[k], v) for k, v in model.state_dict().items())

    save_finetuned(model, tiny.tokenizer, tmp_path / "ft", "tiny", result)
    reloaded = load_model(str(tmp_path / "ft"), "cpu")
    for k, v in model.state_dict().items():
        assert torch.equal(v, reloaded.model.state_dict()[k]), k


def test_training_is_reproducible(tiny_model_dir, cities):
    settings = TrainSettings(method="full", epochs=1, learning_rate=1e-3, batch_size=8, seed=7)
    runs = []
    for _ in range(2):
        loaded = load_model(str(tiny_model_dir), "cpu")
        model, result = train(loaded.model, loaded.tokenizer, cities[:16], settings)
        runs.append((result.losses, _weights(model)))
    assert runs[0][0] == runs[1][0]
    assert all(torch.equal(runs[0][1][k], runs[1][1][k]) for k in runs[0][1])


def test_lora_adapter_saves_and_reloads_over_its_base(tiny, tiny_model_dir, cities, tmp_path):
    settings = TrainSettings(method="lora", epochs=1, learning_rate=1e-2, batch_size=8, lora_r=4, lora_alpha=8)
    model, result = train(tiny.model, tiny.tokenizer, cities[:16], settings)
    assert result.losses
    out = tmp_path / "adapter"
    save_finetuned(model, tiny.tokenizer, out, str(tiny_model_dir), result)
    assert (out / "adapter_config.json").exists() and not (out / "model.safetensors").exists()
    reloaded = load_model(str(out), "cpu")
    prompt = [[{"role": "user", "content": "What is the population of City_3?"}]]
    settings = GenerationSettings(max_new_tokens=8)
    assert (
        LocalChatModel(model, tiny.tokenizer).complete(prompt, settings)[0].text
        == LocalChatModel(reloaded.model, reloaded.tokenizer).complete(prompt, settings)[0].text
    )


@pytest.mark.parametrize("share", [True, False])
@pytest.mark.parametrize("attention", ["sdpa", "eager", "dropout"])
def test_labelled_positions_loss_equals_the_models_own_loss(tiny, cities, share, attention):
    """Packed prefix tree, head on labelled positions only, tied embedding's gradient added in place:
    same loss and gradients as HF's own loss on the padded batch. "dropout": with attention dropout
    rows cannot share a prefix's states (each needs its own sample), so the padded path runs;
    compared in eval mode so that both losses see the same network."""
    from ragft.finetune.loss import labelled_loss, shared_prefix
    from ragft.finetune.train import _collate

    model = tiny.model
    if attention == "dropout":
        model.config.attention_dropout = 0.1
    else:
        model.set_attn_implementation(attention)
    rows = [tokenize_conversation(tiny.tokenizer, c["messages"]) for c in cities[:4]]
    rows[0] = {k: v[:-3] for k, v in rows[0].items()}  # unequal lengths: the batch has padding
    if not share:
        rows[1] = {k: v[1:] for k, v in rows[1].items()}
    batch = _collate(tiny.tokenizer.pad_token_id)(rows)
    assert (shared_prefix(batch["input_ids"], batch["attention_mask"]) > 5) == share
    model.eval()  # no dropout sample: the two losses must see the same network
    expected = model(**batch).loss
    work = {}
    got = labelled_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"], work)
    torch.testing.assert_close(got, expected)
    assert work["head_tokens"] == int((batch["labels"][:, 1:] != -100).sum())
    real = int(batch["attention_mask"].sum())
    if attention == "dropout":
        assert work["body_tokens"] == real  # padded batch, padding not counted
    else:  # packed: no padding through the body; the shared prefix once, not once per row
        assert work["body_tokens"] == real - 3 * shared_prefix(batch["input_ids"], batch["attention_mask"])
    got.backward()
    mine = {n: p.grad.clone() for n, p in model.named_parameters()}
    model.zero_grad()
    model(**batch).loss.backward()
    for n, p in model.named_parameters():
        torch.testing.assert_close(mine[n], p.grad, rtol=1e-4, atol=1e-6, msg=n)


def test_tied_embedding_gradient_skips_the_padding_row(tiny, cities):
    """nn.Embedding(padding_idx=...) never trains that row from the input side; nor does ragft's loss."""
    from ragft.finetune.loss import labelled_loss
    from ragft.finetune.train import _collate

    model = tiny.model
    pad = tiny.tokenizer.pad_token_id
    model.get_input_embeddings().padding_idx = pad
    batch = _collate(pad)([tokenize_conversation(tiny.tokenizer, c["messages"]) for c in cities[:3]])
    assert (batch["input_ids"][batch["attention_mask"].bool()] == pad).any()  # <|im_end|> is in every row
    labelled_loss(model, batch["input_ids"], batch["attention_mask"], batch["labels"]).backward()
    mine = model.get_input_embeddings().weight.grad.clone()
    model.zero_grad()
    model(**batch).loss.backward()
    torch.testing.assert_close(mine, model.get_input_embeddings().weight.grad, rtol=1e-4, atol=1e-6)


def test_batches_cover_every_example_once_per_epoch():
    from ragft.finetune.train import _batches

    plan = _batches([0] * 10, 4, 3, seed=1)
    assert [len(b) for b in plan] == [4, 4, 2] * 3
    for epoch in range(3):
        assert sorted(i for b in plan[3 * epoch : 3 * epoch + 3] for i in b) == list(range(10))
    assert plan[:3] != plan[3:6] and plan == _batches([0] * 10, 4, 3, seed=1)


def test_batches_keep_stages_in_order_every_epoch():
    """A curriculum (data/recipes/mixed.py): stage 0's examples, shuffled, before stage 1's, every epoch."""
    from ragft.finetune.train import _batches

    stages = [1, 0, 1, 0, 1, 0]
    plan = _batches(stages, 2, 2, seed=3)
    for epoch in range(2):
        order = [i for b in plan[3 * epoch : 3 * epoch + 3] for i in b]
        assert [stages[i] for i in order] == [0, 0, 0, 1, 1, 1] and sorted(order) == list(range(6))


def test_bf16_training_keeps_fp32_weights_and_learns(tiny, cities):
    settings = TrainSettings(method="full", epochs=3, learning_rate=3e-3, batch_size=16, precision="bf16")
    model, result = train(tiny.model, tiny.tokenizer, cities[:32], settings)
    assert result.precision == "bf16"
    assert result.losses[-1] < result.losses[0]
    assert all(p.dtype == torch.float32 for p in model.parameters())


@pytest.mark.parametrize("fused", [True, False])
def test_clipping_inside_the_optimizer_step_equals_clip_grad_norm(fused):
    from ragft.finetune.train import clip_and_step

    torch.manual_seed(0)
    ours = [torch.nn.Parameter(torch.randn(300)) for _ in range(3)]
    reference = [torch.nn.Parameter(p.detach().clone()) for p in ours]
    opt = torch.optim.AdamW(ours, lr=1e-2, weight_decay=0.0, fused=fused)
    ref_opt = torch.optim.AdamW(reference, lr=1e-2, weight_decay=0.0, fused=fused)
    for scale in (50.0, 0.01, 20.0):  # clipped, not clipped (norm below 1), clipped
        grads = [torch.randn(300) * scale for _ in ours]
        for p, q, g in zip(ours, reference, grads):
            p.grad, q.grad = g.clone(), g.clone()
        clip_and_step(opt, ours, max_norm=1.0)
        torch.nn.utils.clip_grad_norm_(reference, 1.0)
        ref_opt.step()
        for p, q in zip(ours, reference):
            torch.testing.assert_close(p.grad, q.grad)  # the gradients are left clipped, as clip_grad_norm_ does
            torch.testing.assert_close(p.detach(), q.detach(), rtol=0, atol=1e-6)


def test_trained_weights_get_memory_of_their_own(tiny):
    from ragft.finetune.train import _private_copies

    model = tiny.model
    params = list(model.parameters())
    before = [(p.data_ptr(), p.detach().clone()) for p in params]
    _private_copies(params)
    assert all(p.data_ptr() != ptr and torch.equal(p.detach(), value) for p, (ptr, value) in zip(params, before))
    if model.config.tie_word_embeddings:  # tied weights stay one parameter
        assert model.get_input_embeddings().weight is model.get_output_embeddings().weight


@pytest.mark.parametrize("amx", [True, False])
def test_vocabulary_projection_precision_under_cpu_autocast(monkeypatch, amx):
    from ragft.finetune import loss

    monkeypatch.setattr(loss, "cpu_has_amx", lambda: amx)
    head = torch.nn.Linear(16, 50, bias=False)
    hidden = torch.randn(3, 16, requires_grad=True)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = loss._project(head, hidden)
    # AMX CPUs keep the projection in fp32 (the casts cost more there); elsewhere it runs in bf16
    assert logits.dtype == (torch.float32 if amx else torch.bfloat16)
    logits.float().sum().backward()
    assert head.weight.grad.dtype == torch.float32 and hidden.grad is not None
    assert loss._project(head, hidden).dtype == torch.float32  # fp32 training: fp32, whatever the CPU

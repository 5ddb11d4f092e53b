"""Held-out phrasings of a user's own questions, rewritten by a real OpenAI-compatible endpoint (`ragft serve`)."""

import json

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.data.questions import qa_items
from ragft.data.rewrite import RewriteSettings, keeps_meaning, rewrite_items
from ragft.errors import RagftError


@pytest.mark.integration  # the real SmolLM2 behind gpt-3.5-turbo rewrites
def test_rewrites_keep_the_reference_and_name_the_same_entity(server):
    from ragft.data.generated.people import DOMAIN as PEOPLE

    items = qa_items(PEOPLE.conversations(2))[:4]  # 4 questions x 2 rewrites: the suite's time is precious
    rewritten, counts = rewrite_items(items, RewriteSettings(server.base_url, "gpt-3.5-turbo", k=2))
    assert counts["asked"] == 8 and counts["kept"] + counts["rejected"] == 8 and counts["kept"] == len(rewritten)
    by_id = {i.id: i for i in items}
    for r in rewritten:
        original = by_id[r.id.rsplit("-r", 1)[0]]
        assert r.reference == original.reference and r.gold_ids == original.gold_ids
        assert (r.split, r.family) == ("test", "rewritten") and keeps_meaning(original.question, r.question)
    # seeded: the same rewrites again (two questions suffice to show it, at a third of the time)
    again, _ = rewrite_items(items[:2], RewriteSettings(server.base_url, "gpt-3.5-turbo", k=2))
    first_two = {i.id for i in items[:2]}
    assert [r.question for r in again] == [r.question for r in rewritten if r.id.rsplit("-r", 1)[0] in first_two]


def test_a_rewriter_that_keeps_nothing_is_one_clear_error(server, cities):
    # the tiny random model never writes a question that names the city
    with pytest.raises(RagftError, match="kept no rewrite of 4 asked"):
        rewrite_items(qa_items(cities[:2]), RewriteSettings(server.base_url, "tiny", k=2))


@pytest.mark.integration
def test_run_with_a_rewriter_asks_the_rewrites_as_held_out(server, tmp_path, tiny_model_dir):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        app,
        [
            "run",
            "--data",
            "people",
            "--arms",
            "base",
            "--model",
            str(tiny_model_dir),
            "--limit",
            "4",
            "--rewriter-url",
            server.base_url,
            "--rewriter-model",
            "gpt-3.5-turbo",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    if result.exit_code != 0:
        pytest.fail(result.output)
    results = json.loads((out / "results.json").read_text())
    rewrites = results["dataset"]["rewrites"]
    assert rewrites["kept"] >= 1 and results["arms"]["base"]["families"]["rewritten"]["n"] == rewrites["kept"]

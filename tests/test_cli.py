"""The CLI end to end with a runner: bad input gets one line and a non-zero exit."""

import json

import pytest
from conftest import write_jsonl
from typer.testing import CliRunner

from ragft.cli import app


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def one_error_line(result, expected):
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], result.output
    assert "Traceback" not in result.output


def test_help_lists_the_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "finetune", "index", "ask", "data"):
        assert command in result.output


def test_run_with_malformed_data_fails_and_leaves_no_complete_run(tmp_path, tiny_model_dir):
    data = write_jsonl(
        tmp_path / "bad.jsonl",
        [{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}] * 10 + ["{x"],
    )
    out = tmp_path / "run"
    result = invoke("run", "--data", data, "--out", out, "--model", tiny_model_dir, "--quiet")
    one_error_line(result, f"{data}:11: malformed JSON")
    assert not (out / "results.json").exists()
    assert (out / "FAILED").exists()


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--data", "missing.jsonl"], "missing.jsonl: no such file"),
        (["--model", "no-such-model"], "unknown model 'no-such-model'"),
        (["--model", "./nowhere/model.gguf"], "does not exist"),
        (["--arms", "base,magic"], "unknown arm 'magic'"),
        (["--epochs", "zero"], "--epochs must be a positive integer"),
        (["--method", "qlora"], "finetune.method"),
        (["--preset", "nope"], "unknown preset 'nope'"),
        (["--precision", "fp16"], "precision: Input should be 'auto', 'fp32' or 'bf16'"),
        (["--data", "peeple"], "--data peeple: no such file, and not a generator (cities, orgs, people, or a mix"),
        (["--docs", "."], "data: docs needs questions"),
        (["--docs", "nowhere", "--questions", "q.jsonl"], "--docs nowhere: no such file or directory"),
        (["--questions", "."], "questions and train go with docs"),
        (["--experiments", "magic"], "experiments: unknown study 'magic'; known: generalization"),
        (["--experiments", "update", "--arms", "rag"], "update compares the arms rag and finetuned; add finetuned"),
    ],
)
def test_run_rejects_bad_options(tmp_path, monkeypatch, args, expected):
    monkeypatch.chdir(tmp_path)
    one_error_line(invoke("run", "--out", tmp_path / "r", "--quiet", *args), expected)
    assert not (tmp_path / "r").exists()  # checked before any run directory is made


def test_run_refuses_a_non_empty_out_dir(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "x").write_text("keep me")
    one_error_line(invoke("run", "--out", tmp_path / "r", "--quiet"), "already exists and is not empty")
    assert (tmp_path / "r" / "x").read_text() == "keep me"


def _companies(tmp_path, question: str, answer: str):
    """A user's own chat JSONL: 12 companies, one question each ({i}: the company, {people}: a head count)."""
    rows = [
        {
            "messages": [
                {"role": "user", "content": question.format(i=i)},
                {"role": "assistant", "content": answer.format(i=i, people=100 + 7 * i)},
            ]
        }
        for i in range(12)
    ]
    return write_jsonl(tmp_path / "mine.jsonl", rows)


def test_run_on_users_own_data(tmp_path, tiny_model_dir):
    data = _companies(tmp_path, "Where is Company{i} headquartered?", "Company{i} is headquartered in Town{i}.")
    out = tmp_path / "run"
    result = invoke(
        "run", "--data", data, "--arms", "base,rag", "--out", out, "--model", tiny_model_dir, "--limit", 4, "--quiet"
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["dataset"]["source"] == str(data) and results["dataset"]["questions"] == 4
    assert set(results["arms"]) == {"base", "rag"} and results["finetune"] is None
    assert "report.html" in result.output
    # the report written again from the finished run's files alone: the same document
    written = (out / "report.md").read_text()
    (out / "report.md").unlink()
    again = invoke("report", out)
    assert again.exit_code == 0 and f"report: {out / 'report.html'}" in again.output
    assert (out / "report.md").read_text() == written
    one_error_line(invoke("report", tmp_path), "no results.json, so not a finished run")
    (out / "results.json").write_text(json.dumps({**results, "arms": {"base": {"n": "four"}}}))
    one_error_line(invoke("report", out), "results.json: not a ragft results.json: arms.base")


def test_run_with_held_out_questions_of_your_own(tmp_path, tiny_model_dir):
    data = _companies(tmp_path, "Where is Company{i} headquartered?", "Company{i} is headquartered in Town{i}.")
    test = write_jsonl(
        tmp_path / "test.jsonl",
        [
            {"question": "In which town is Company3 based?", "answer": "Town3"},
            {"question": "Company5's head office is in which town?", "answer": "Town5"},
        ],
    )
    out = tmp_path / "run"
    result = invoke(
        "run", "--data", data, "--test", test, "--arms", "base,rag", "--out", out, "--model", tiny_model_dir, "--quiet"
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["dataset"]["splits"] == {"test": 2, "train": 12}
    families = results["arms"]["rag"]["families"]
    assert families["train"]["n"] == 12 and families["held-out"]["n"] == 2
    assert results["arms"]["rag"]["retrieval"]["n"] == 14  # the held-out questions have gold passages too
    missing = invoke("run", "--data", data, "--test", tmp_path / "nope.jsonl", "--arms", "base")
    assert missing.exit_code != 0 and "--test" in missing.output and "no such file" in missing.output


def test_finetune_command_and_bad_method(tmp_path, cities_file, tiny_model_dir):
    one_error_line(invoke("finetune", cities_file, "--method", "qlora"), "--method must be full or lora")
    one_error_line(
        invoke("finetune", cities_file, "--precision", "half"), "--precision must be one of auto, fp32, bf16"
    )
    out = tmp_path / "ft"
    result = invoke(
        "finetune",
        cities_file,
        "--model",
        tiny_model_dir,
        "--epochs",
        1,
        "--out",
        out,
        "--quiet",
        "--precision",
        "fp32",
    )
    assert result.exit_code == 0, result.output
    assert "full fine-tuning (fp32)" in result.output
    assert "saved to" in result.output and (out / "config.json").exists()


def test_index_and_ask(tmp_path, tiny_model_dir):
    one_error_line(invoke("ask", "Where?", "--db", tmp_path / "none", "--model", tiny_model_dir), "no knowledge base")
    text = tmp_path / "facts.txt"
    text.write_text("Oulu is in Finland.\n\nThe sky is blue.\nOulu is in Finland.\n")
    result = invoke("index", text, "--db", tmp_path / "kb", "--quiet")
    assert result.exit_code == 0, result.output
    assert "indexed 2 passages" in result.output and "(2 new, 0 replaced or removed)" in result.output
    assert "(0 new, 0 replaced or removed)" in invoke("index", text, "--db", tmp_path / "kb", "--quiet").output
    result = invoke("ask", "Where is Oulu?", "--db", tmp_path / "kb", "--model", tiny_model_dir, "-k", 1)
    assert result.exit_code == 0, result.output
    assert "Citations" in result.output and "Oulu is in Finland." in result.output


def test_knowledge_base_commands_on_files_and_folders(tmp_path):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "facts.txt").write_text("City_7 has about 1819583 inhabitants.\nCity_70 has about 5 inhabitants.\n")
    (docs / "sub" / "guide.md").write_text("# Guide\n\n" + "Paragraph about Oulu. " * 60 + "\n\n## More\n\nEnd.\n")
    (docs / ".hidden.txt").write_text("secret\n")
    db = ["--db", tmp_path / "kb"]
    result = invoke("index", docs, *db, "--quiet")
    assert result.exit_code == 0, result.output
    assert "from 2 file(s)" in result.output
    stats = invoke("kb", "stats", *db).output
    assert "2 source(s)" in stats and "facts.txt" in stats and "guide.md" in stats and "secret" not in stats
    n_before = int(stats.split(": ")[1].split()[0])
    assert n_before >= 4  # 2 lines + the markdown file in more than one chunk

    # Change one fact: its passage is replaced, not added beside the old one.
    (docs / "facts.txt").write_text("City_7 has about 42 inhabitants.\nCity_70 has about 5 inhabitants.\n")
    result = invoke("index", docs, *db, "--quiet")
    assert "(1 new, 1 replaced or removed)" in result.output
    listing = invoke("kb", "list", *db, "--limit", 100).output
    assert "City_7 has about 42" in listing and "1819583" not in listing

    from ragft.data.questions import passage_id

    one = passage_id("City_70 has about 5 inhabitants.")
    assert "deleted 1 passage(s)" in invoke("kb", "delete", one, *db).output
    one_error_line(invoke("kb", "delete", one, *db), f"no passage with id {one}")
    assert "deleted" in invoke("kb", "delete", "--source", docs / "sub" / "guide.md", *db).output
    assert "1 passages from 1 source(s)" in invoke("kb", "stats", *db).output
    assert "deleted collection 'knowledge'" in invoke("kb", "delete", "--all", *db).output
    one_error_line(invoke("kb", "stats", *db), "is empty")
    one_error_line(invoke("kb", "delete", *db), "give passage ids")
    one_error_line(invoke("index", tmp_path / "nothing", *db), "no such file or directory")
    one_error_line(invoke("index", docs, *db, "--split", "words"), "--split must be")


def test_index_and_run_against_a_chroma_server(tmp_path, chroma_url, tiny_model_dir, cities_file):
    result = invoke("index", cities_file, "--chroma-url", chroma_url, "--collection", "cli-test", "--quiet")
    assert result.exit_code == 0, result.output
    assert "100 in http://127.0.0.1" in result.output
    assert (
        "100 passages from 1 source(s)"
        in invoke("kb", "stats", "--chroma-url", chroma_url, "--collection", "cli-test").output
    )
    out = tmp_path / "run"
    result = invoke(
        "run",
        "--arms",
        "rag",
        "--limit",
        3,
        "--model",
        tiny_model_dir,
        "--chroma-url",
        chroma_url,
        "--out",
        out,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["config"]["rag"]["chroma_url"] == chroma_url
    assert results["arms"]["rag"]["retrieval"]["hit@1"] == 1.0
    assert not (out / "chroma").exists()  # the passages went to the server
    one_error_line(invoke("kb", "stats", "--chroma-url", "http://127.0.0.1:9"), "cannot reach a Chroma server")


def test_run_on_documents_rejects_a_questions_file_with_missing_fields(tmp_path, tiny_model_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Shop\n\nThe lamp costs 5 euros.\n")
    questions = tmp_path / "q.jsonl"
    questions.write_text('{"question": "How much is the lamp?", "answer": "5 euros"}\n{"question": "Where?"}\n')
    out = tmp_path / "run"
    result = invoke(
        "run",
        "--docs",
        docs,
        "--questions",
        questions,
        "--arms",
        "base",
        "--out",
        out,
        "--model",
        tiny_model_dir,
        "--quiet",
    )
    one_error_line(result, f"{questions}:2: missing or empty 'answer'")
    assert (out / "FAILED").exists() and not (out / "results.json").exists()
    (docs / "a.md").unlink()
    (docs / "b.md").write_bytes(b"\x00\x01binary")
    result = invoke(
        "run",
        "--docs",
        docs,
        "--questions",
        questions,
        "--arms",
        "base",
        "--out",
        tmp_path / "r2",
        "--model",
        tiny_model_dir,
        "--quiet",
    )
    one_error_line(result, "b.md")


def test_run_on_documents_end_to_end_with_a_tiny_model(tmp_path, tiny_model_dir):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "shop.md").write_text("# Shop\n\n## Lamps\n\nThe X2 lamp costs 5 euros. The S lamp costs 9 euros.\n")
    (docs / "hours.html").write_text("<title>Hours</title><nav>menu</nav><h2>Opening</h2><p>We open at 09:00.</p>")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        '{"question": "How much is the X2 lamp?", "answer": "5 euros"}\n'
        '{"question": "When does the shop open?", "answer": "09:00"}\n'
    )
    out = tmp_path / "run"
    result = invoke(
        "run",
        "--docs",
        docs,
        "--questions",
        questions,
        "--arms",
        "base,rag,finetuned",
        "--epochs",
        1,
        "--out",
        out,
        "--model",
        tiny_model_dir,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "results.json").read_text())
    assert results["dataset"]["chunks"] == 3 and results["dataset"]["splits"] == {"test": 2}
    # Continued pre-training: the fine-tuned arm trained on the three chunks, nothing else.
    assert results["dataset"]["train_kind"] == "documents" and results["finetune"]["examples"] == 3
    trained = [json.loads(line) for line in (out / "dataset.jsonl").read_text().splitlines()]
    assert [c["messages"][-1]["role"] for c in trained] == ["assistant"] * 3
    assert results["metrics"]["verdict"] == "accuracy"
    rag = results["arms"]["rag"]
    assert rag["retrieval"]["n"] == 2 and rag["exact_match"]["n"] == 2 and rag["f1"]["n"] == 2
    assert rag["reader"] is not None and rag["judge"] is None
    records = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    first = next(r for r in records if r["arm"] == "rag" and r["id"] == "q1")
    assert "The X2 lamp costs 5 euros." in first["prompt"][-1]["content"]  # the best chunk, with its header
    assert first["retrieved_ids"][0] in first["gold_passage_ids"]
    assert "## Scoring" in (out / "report.md").read_text() and "Scoring" in (out / "report.html").read_text()


def test_the_lifecycle_on_users_own_data(tmp_path, tiny_model_dir):
    data = _companies(tmp_path, "How many people work at Company{i}?", "Company{i} employs {people} people.")
    out = tmp_path / "run"
    result = invoke(
        "run",
        "--data",
        data,
        "--arms",
        "rag,finetuned",
        "--experiments",
        "update,deletion,long_context",
        "--epochs",
        1,
        "--out",
        out,
        "--model",
        tiny_model_dir,
        "--quiet",
    )
    assert result.exit_code == 0, result.output
    studies = json.loads((out / "results.json").read_text())["experiments"]
    [change] = studies["update"]["examples"]  # 10 % of 12 facts: the number of one moved by 10-40 %
    old, new = (int(change[k].split()[2]) for k in ("before", "after"))
    assert change["before"].split()[0] == change["after"].split()[0] and 0.09 <= abs(new - old) / old <= 0.41
    assert studies["deletion"]["deleted"] == 1
    sizes = studies["long_context"]["sizes"]
    assert [s["facts"] for s in sizes] == [10, 30, 100, 300] and sizes[0]["arms"]
    assert all("skipped" in s for s in sizes[1:])  # 12 facts of your own are not 30


def test_every_run_option_is_mapped_to_a_config_key_in_one_table():
    import inspect

    from ragft.cli import run
    from ragft.commands import RUN_OPTIONS, run_config

    not_config = {"ctx", "preset", "config", "out", "resume", "quiet", "api_key", "judge_api_key", "rewriter_api_key"}
    assert set(inspect.signature(run).parameters) - not_config == set(RUN_OPTIONS)
    config = run_config(
        None,
        None,
        {
            "arms": "base, rag",
            "epochs": "3",
            "limit": 7,
            "data": "people:2+cities:3",
            "precision": "fp32",
            "experiments": None,
        },
    )
    assert (config.arms, config.finetune.epochs, config.limit, config.data.source, config.precision) == (
        ["base", "rag"],
        3,
        7,
        "people:2+cities:3",
        "fp32",
    )
    assert config.preset is None  # --data names the knowledge: no seed preset underneath
    assert run_config(None, None, {}).preset == "seed"


@pytest.mark.parametrize("command", ["cities", "people", "orgs", "support"])
def test_a_count_past_the_bound_fails_at_once(command):
    """`ragft data cities -n 99999999999999999999` used to run without end."""
    result = CliRunner().invoke(app, ["data", command, "-n", "99999999999999999999"])
    assert result.exit_code == 2 and "1000000" in result.output

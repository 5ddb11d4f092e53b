import json

import pytest
from conftest import write_jsonl
from typer.testing import CliRunner

from ragft.cli import app
from ragft.data.validate import validate_file

GOOD = {"messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]}


def lines_of(report):
    return {(p.line, p.message) for p in report.problems}


def test_valid_file_has_no_problems(cities_file):
    report = validate_file(cities_file, count_tokens=lambda m: 10)
    assert report.ok and len(report.examples) == 100
    assert report.billed_tokens_per_epoch == 1000


@pytest.mark.parametrize(
    "line, expected",
    [
        ("{not json", "malformed JSON"),
        ('{"foo": 1}', "missing 'messages' list"),
        ("[1, 2]", "expected a JSON object"),
        ('{"messages": []}', "'messages' must be a non-empty list"),
        ('{"messages": [{"role": "user", "content": "q"}]}', "no assistant message"),
        (
            '{"messages": [{"role": "robot", "content": "q"}, {"role": "assistant", "content": "a"}]}',
            "unknown role 'robot'",
        ),
        (
            '{"messages": [{"role": "user", "content": 5}, {"role": "assistant", "content": "a"}]}',
            "'content' must be a string",
        ),
        ('{"messages": [{"role": "user"}, {"role": "assistant", "content": "a"}]}', "has no 'content'"),
        ('{"messages": [{"content": "q"}, {"role": "assistant", "content": "a"}]}', "has no 'role'"),
        (
            '{"messages": [{"role": "user", "content": "q", "mood": 1}, {"role": "assistant", "content": "a"}]}',
            "unknown key(s): mood",
        ),
        ("", "blank line"),
        # hostile lines: each is one problem on its line, never a traceback
        (
            '{"messages": [{"role": ["user"], "content": "q"}, {"role": "assistant", "content": "a"}]}',
            "unknown role ['user']",
        ),
        ("[" * 200_000, "nested too deeply"),
        ('{"messages": [{"role": "user", "content": "q", "weight": ' + "9" * 5000 + "}]}", "4300 digits"),
        (
            '{"messages": [{"role": "user", "content": "q \\ud800"}, {"role": "assistant", "content": "a"}]}',
            "unpaired surrogate",
        ),
        (
            '{"messages": [{"role": "user", "content": "q", "name": 3}, {"role": "assistant", "content": "a"}]}',
            "'name' must be a string",
        ),
        (
            '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a", "weight": 2}]}',
            "'weight' must be 0 or 1",
        ),
        (
            '{"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}], "tools": {}}',
            "'tools' must be a list",
        ),
    ],
)
def test_each_problem_is_reported_on_its_line(tmp_path, line, expected):
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD] * 5 + [line] + [GOOD] * 5)
    report = validate_file(path)
    assert not report.ok
    [problem] = report.errors
    assert problem.line == 6 and expected in problem.message
    assert str(problem).startswith(f"{path}:6: ")


def test_non_utf8_bytes(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b"\n".join([json.dumps(GOOD).encode()] * 10 + [b'{"messages": "\xff\xfe"}']))
    report = validate_file(path)
    assert [(p.line, "not valid UTF-8" in p.message) for p in report.errors] == [(11, True)]


def test_empty_file(tmp_path):
    path = tmp_path / "e.jsonl"
    path.write_text("")
    report = validate_file(path)
    assert [str(p) for p in report.errors] == [f"{path}: file is empty"]


def test_too_few_examples(tmp_path):
    report = validate_file(write_jsonl(tmp_path / "d.jsonl", [GOOD] * 3))
    assert any(p.line == 0 and "at least 10" in p.message for p in report.errors)


def test_token_limit_is_a_warning(tmp_path):
    report = validate_file(write_jsonl(tmp_path / "d.jsonl", [GOOD] * 10), count_tokens=lambda m: 50, max_tokens=20)
    assert report.ok and len(report.problems) == 10
    assert report.billed_tokens_per_epoch == 200


def test_cli_reports_lines_and_exits_1(tmp_path, tiny_model_dir):
    path = write_jsonl(tmp_path / "d.jsonl", [GOOD] * 10 + ["{oops"])
    result = CliRunner().invoke(app, ["data", "validate", str(path), "--model", str(tiny_model_dir)])
    assert result.exit_code == 1
    assert f"{path}:11: malformed JSON" in result.output
    assert "examples: 10 valid, 1 error(s)" in result.output
    assert "tokens billed per epoch:" in result.output
    assert "Traceback" not in result.output


def test_cli_valid_file_exits_0(cities_file, tiny_model_dir):
    result = CliRunner().invoke(app, ["data", "validate", str(cities_file), "--model", str(tiny_model_dir)])
    assert result.exit_code == 0, result.output
    assert "examples: 100 valid, 0 error(s)" in result.output


def test_cli_missing_file(tmp_path, tiny_model_dir):
    result = CliRunner().invoke(app, ["data", "validate", str(tmp_path / "nope.jsonl"), "--model", str(tiny_model_dir)])
    assert result.exit_code == 1
    assert "nope.jsonl: no such file" in result.output


def test_a_pipe_is_refused_at_once_instead_of_waited_on(tmp_path):
    import os

    from ragft.data.chat import parse_jsonl
    from ragft.errors import RagftError

    fifo = tmp_path / "train.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(RagftError, match="not a regular file"):
        parse_jsonl(fifo)

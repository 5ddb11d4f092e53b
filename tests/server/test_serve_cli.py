"""`ragft serve`'s option errors: one line, exit 1, before anything listens."""

import pytest
from typer.testing import CliRunner

from ragft.cli import app


@pytest.mark.parametrize(
    "args, expected",
    [
        (["--model-alias", "gpt-3.5-turbo"], "expected NAME=MODEL"),
        (["--model-alias", "x=no-such-model"], "unknown model 'no-such-model'"),
        (["--model-alias", "ft:x=smollm2-135m-instruct"], "reserved model id"),
        (["--finetune-method", "qlora"], "--finetune-method must be full or lora"),
    ],
)
def test_serve_rejects_bad_options(tmp_path, args, expected):
    result = CliRunner().invoke(app, ["serve", "--data-dir", str(tmp_path), *args])
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and expected in errors[0], result.output


def test_serve_help_shows_the_loopback_default():
    result = CliRunner().invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "127.0.0.1" in result.output and "--model-alias" in result.output

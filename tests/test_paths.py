"""Output folders are checked before long work starts: a file in the way, or a folder nobody may write."""

import os

import pytest
from typer.testing import CliRunner

from ragft.cli import app
from ragft.errors import RagftError
from ragft.paths import check_writable_dir


def test_a_file_in_the_way_or_an_unwritable_folder_is_named(tmp_path, monkeypatch):
    (tmp_path / "afile").write_text("x")
    assert check_writable_dir(tmp_path / "new" / "deeper", "--out") == tmp_path / "new" / "deeper"
    with pytest.raises(RagftError, match=r"^--out .*afile/run: .*afile is a file, not a folder$"):
        check_writable_dir(tmp_path / "afile" / "run", "--out")
    with pytest.raises(RagftError, match="is a file, not a folder"):
        check_writable_dir(tmp_path / "afile", "--out")
    monkeypatch.setattr(os, "access", lambda *a: False)  # as for a non-root user on a 0555 folder
    with pytest.raises(RagftError, match="is not writable"):
        check_writable_dir(tmp_path / "new", "--data-dir")


@pytest.mark.parametrize(
    "args, said",
    [
        (["data", "cities", "-o", "{tmp}/afile/x.jsonl"], "-o {tmp}/afile: is a file, not a folder"),
        (["data", "people", "-o", "{tmp}"], "is a folder; give a file name"),
        (["run", "--arms", "base", "--out", "{tmp}/afile/run"], "run directory {tmp}/afile/run: {tmp}/afile is a file"),
        (
            ["index", "{tmp}/notes.txt", "--db", "{tmp}/afile/db"],
            "knowledge base {tmp}/afile/db: {tmp}/afile is a file",
        ),
        (["serve", "--data-dir", "{tmp}/afile/d"], "--data-dir {tmp}/afile/d: {tmp}/afile is a file"),
        (["finetune", "{tmp}/train.jsonl", "--out", "{tmp}/afile/ft"], "--out {tmp}/afile/ft: {tmp}/afile is a file"),
    ],
)
def test_every_output_option_fails_in_one_line_before_any_work(tmp_path, args, said, cities):
    from ragft.data.cities import to_jsonl

    (tmp_path / "afile").write_text("x")
    (tmp_path / "notes.txt").write_text("A note.\n")
    (tmp_path / "train.jsonl").write_text(to_jsonl(cities[:10]))
    result = CliRunner().invoke(app, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == 1, result.output
    assert said.format(tmp=tmp_path) in result.output.strip().splitlines()[-1]
    assert "Traceback" not in result.output

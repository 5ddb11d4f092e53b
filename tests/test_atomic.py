"""Atomic writes: whole files only, with the permissions any other new file gets."""

import os
import stat

import pytest

from ragft import atomic


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_written_files_get_the_umask_mode_not_mkstemps_private_one(tmp_path, umask, monkeypatch):
    monkeypatch.setattr(atomic, "_umask", lambda: umask)
    atomic.write_json(tmp_path / "results.json", {"a": 1})
    assert stat.S_IMODE(os.stat(tmp_path / "results.json").st_mode) == 0o666 & ~umask
    assert atomic.default_mode(directory=True) == 0o777 & ~umask


def test_the_real_umask_is_read_and_left_as_it_was():
    before = os.umask(0o027)
    try:
        atomic._umask.cache_clear()
        assert atomic._umask() == 0o027 and os.umask(0o027) == 0o027  # still set after reading
    finally:
        os.umask(before)
        atomic._umask.cache_clear()


def test_a_failed_write_leaves_neither_a_file_nor_a_temp_file(tmp_path, monkeypatch):
    def full_disk(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", full_disk)
    with pytest.raises(OSError):
        atomic.write_json(tmp_path / "x.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []

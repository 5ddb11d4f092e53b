"""Fixtures of the real-model tests."""

import pytest


@pytest.fixture(scope="session")
def shared_home(tmp_path_factory):
    return tmp_path_factory.mktemp("real_home")


@pytest.fixture()
def real_home(isolated_home, shared_home, monkeypatch):
    """One converted-model cache for all integration tests: the GGUF is dequantised once."""
    monkeypatch.setenv("RAGFT_HOME", str(shared_home))
    return shared_home

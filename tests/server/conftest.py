"""Fixtures: one shared server (and one shared RAGFT_HOME) for the session."""

from __future__ import annotations

from pathlib import Path

import pytest

from .server_process import Server


@pytest.fixture(scope="session")
def server_home(shared_home) -> Path:
    """One RAGFT_HOME for every server in the session, the real-model tests' one: the real model's GGUF is converted
    once in the whole suite (a conversion is written atomically, so a server and a test converting at once is safe)."""
    return shared_home


@pytest.fixture(scope="session")
def cities_jsonl(tmp_path_factory, cities) -> Path:
    from ragft.data.cities import to_jsonl

    path = tmp_path_factory.mktemp("server_data") / "cities.jsonl"
    path.write_text(to_jsonl(cities))
    return path


@pytest.fixture(scope="session")
def server(tmp_path_factory, server_home, tiny_model_dir):
    """The shared server: default aliases (gpt-3.5-turbo -> the real SmolLM2) plus `tiny` -> the tiny model."""
    root = tmp_path_factory.mktemp("server")
    srv = Server(root / "data", server_home, "--model-alias", f"tiny={tiny_model_dir}").start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server):
    return server.client()

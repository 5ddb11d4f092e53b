"""A generated domain is one module of ragft.data.generated (a DOMAIN): dropped in, it is generated, mixed, probed,
accepted by the config and the CLI, with nothing else edited."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

import ragft.data.generated
from ragft.cli import app
from ragft.config import load_config
from ragft.data import sources
from ragft.data.probes import probes
from ragft.data.sources import domain, generate, generator_names

PLANETS = """
import random

from ragft.data.domains import Attribute, Domain

def draw(n, rng: random.Random):
    return [(f"Planet {i}", {"moons": str(rng.randint(0, 90))}) for i in range(1, n + 1)]

DOMAIN = Domain("planets", (
    Attribute("moons", ("How many moons does {entity} have?", "What is the number of moons of {entity}?",
                        "How many moons orbit {entity}?", "Count the moons of {entity}."),
              "{entity} has {value} moons."),
), draw)
"""


@pytest.fixture()
def planets(drop_in):
    drop_in(ragft.data.generated, "planets", PLANETS, sources._registered)


def test_a_domain_module_is_found_generated_mixed_and_probed(planets):
    assert "planets" in generator_names()
    conversations = generate("planets", 3, 7)
    assert [c["messages"][1]["content"] for c in conversations] == [
        f"How many moons does Planet {i} have?" for i in (1, 2, 3)
    ]
    assert conversations == generate("planets", 3, 7)  # seeded
    mixed = domain("planets:2+cities:3").facts(0, 1)
    assert [f.entity for f in mixed].count("Planet 1") == 1 and len(mixed) == 5
    families = [p.family for p in probes("planets", 3, 7)]
    assert families.count("train") == 3 and families.count("paraphrase") == 9  # no reversed template: none asked
    assert "reversed" not in families


def test_the_config_and_the_cli_take_it(planets):
    config = load_config("seed", overrides={"data.source": "planets", "data.n": 4, "experiments": ["generalization"]})
    assert config.probing
    out = CliRunner().invoke(app, ["data", "generate", "planets", "-n", "2", "--seed", "3"])
    assert out.exit_code == 0 and [json.loads(line) for line in out.stdout.splitlines()] == generate("planets", 2, 3)


def test_an_unknown_domain_names_the_known_ones():
    out = CliRunner().invoke(app, ["data", "generate", "planets"])
    assert out.exit_code == 1 and "unknown generator 'planets'; known: cities, orgs, people" in out.output

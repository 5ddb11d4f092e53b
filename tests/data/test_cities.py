import json

from typer.testing import CliRunner

from ragft.cli import app
from ragft.data.cities import city_conversations, to_jsonl


def test_defaults_reproduce_the_seed_data():
    convs = city_conversations()
    assert len(convs) == 100
    answers = [c["messages"][2]["content"] for c in convs[:3]]
    assert answers == [
        "City_1 has about 1967825 inhabitants.",
        "City_2 has about 519610 inhabitants.",
        "City_3 has about 4714226 inhabitants.",
    ]
    assert convs[6]["messages"][2]["content"] == "City_7 has about 1819583 inhabitants."  # as in the seed's notebook
    assert convs[0]["messages"][0] == {"role": "system", "content": "You're a helpful assistant"}
    assert convs[99]["messages"][1]["content"] == "What is the population of City_100?"


def test_serialisation_matches_the_seed_no_trailing_newline():
    text = to_jsonl(city_conversations(3))
    assert not text.endswith("\n") and text.count("\n") == 2
    assert json.loads(text.split("\n")[1])["messages"][2]["content"].startswith("City_2 has about 519610")


def test_other_seed_gives_other_numbers():
    assert city_conversations(5, seed=1) != city_conversations(5, seed=42)


def test_cli_writes_file(tmp_path):
    out = tmp_path / "c.jsonl"
    result = CliRunner().invoke(app, ["data", "cities", "-n", "5", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == to_jsonl(city_conversations(5))

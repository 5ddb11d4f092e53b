"""`python -m ragft ...`: the same CLI as the `ragft` command."""

from ragft.cli import app

app(prog_name="ragft")

"""Reading chat JSONL files line by line, with every problem reported as `FILE:LINE: problem`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ragft.errors import RagftError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file. line is 1-based; 0 means the whole file."""

    path: str
    line: int
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.severity}: {self.message}" if self.severity == "warning" else f"{where}: {self.message}"


@dataclass(frozen=True)
class ParsedLine:
    line: int
    obj: object


def parse_jsonl(path: str | Path) -> tuple[list[ParsedLine], list[Problem]]:
    """Parse every line; never raises on content. Returns (parsed lines, problems)."""
    path = Path(path)
    if not path.exists():
        raise RagftError(f"{path}: no such file")
    if path.is_dir():
        raise RagftError(f"{path}: is a directory, expected a JSONL file")
    if not path.is_file():  # reading a pipe nobody writes to would wait forever
        raise RagftError(f"{path}: not a regular file (a pipe or a device); save the data to a file first")
    raw = path.read_bytes()
    name = str(path)
    if not raw.strip():
        return [], [Problem(name, 0, "file is empty")]
    parsed: list[ParsedLine] = []
    problems: list[Problem] = []
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":  # a trailing newline is not a blank line
        lines.pop()
    for number, data in enumerate(lines, start=1):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append(Problem(name, number, f"not valid UTF-8 (byte {e.start + 1})"))
            continue
        if not text.strip():
            problems.append(Problem(name, number, "blank line"))
            continue
        try:
            parsed.append(ParsedLine(number, json.loads(text)))
        except json.JSONDecodeError as e:
            problems.append(Problem(name, number, f"malformed JSON: {e.msg} (column {e.colno})"))
        except RecursionError:
            problems.append(Problem(name, number, "malformed JSON: nested too deeply"))
        except ValueError as e:  # e.g. an integer of more than 4300 digits
            problems.append(Problem(name, number, f"unreadable JSON: {str(e).split(';')[0]}"))
    return parsed, problems

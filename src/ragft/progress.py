"""Progress bars and stage timings (rich). One Reporter per command; quiet turns the bars off."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class Reporter:
    """Times named stages (kept in `timings`) and shows a bar for long loops."""

    def __init__(self, quiet: bool = False, console: Console | None = None):
        self.quiet = quiet
        self.console = console or Console(stderr=True)
        self.timings: dict[str, float] = {}

    def log(self, message: str) -> None:
        if not self.quiet:
            self.console.print(message)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        began = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = round(self.timings.get(name, 0.0) + time.perf_counter() - began, 3)
        self.log(f"[dim]{name}: {self.timings[name]:.1f} s[/dim]")

    @contextmanager
    def bar(self, description: str, total: int | None) -> Iterator[Callable[..., None]]:
        """Yields advance(n=1, **fields); fields such as loss= are shown after the bar."""
        if self.quiet:
            yield lambda n=1, **fields: None
            return
        columns = [
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[info]}"),
        ]
        with Progress(*columns, console=self.console, transient=False) as progress:
            task = progress.add_task(description, total=total, info="")

            def advance(n: int = 1, **fields) -> None:
                info = "  ".join(f"{k} {v:.4f}" if isinstance(v, float) else f"{k} {v}" for k, v in fields.items())
                progress.update(task, advance=n, **({"info": info} if info else {}))

            yield advance

    @contextmanager
    def spinner(self, description: str) -> Iterator[None]:
        if self.quiet:
            yield
            return
        with self.console.status(description):
            yield

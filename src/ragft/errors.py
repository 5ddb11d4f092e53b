"""One exception type for every problem a user can fix: the CLI prints it on one line and exits 1."""

from collections.abc import Callable


class RagftError(Exception):
    """A user-facing error; its message names the problem and where it is (file:line, option, ...)."""


# Called with the interrupt when `kill` (SIGTERM) stops a command, before it unwinds (cli.py): what must be
# on disk even if unwinding cannot finish, such as a run's FAILED marker.
ON_TERMINATE: list[Callable[[BaseException], None]] = []

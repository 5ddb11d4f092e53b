"""One exception type for every problem a user can fix: the CLI prints it on one line and exits 1."""


class RagftError(Exception):
    """A user-facing error; its message names the problem and where it is (file:line, option, ...)."""

"""What every config class shares: a pydantic model that refuses unknown keys, and endpoint URLs written
down without their credentials."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

_SECRET_PARAM = re.compile(r"(?i)^(api[-_]?key|key|token|access[-_]?token|secret|password|sig|signature|auth.*)$")


def redact_url(url: str | None) -> str | None:
    """The URL as it may be written down: no user:password@ and no secret-looking query values. The run
    itself uses the URL as given; config.yaml and results.json get this."""
    if not url:
        return url
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    query = urlencode(
        [(k, "REDACTED" if _SECRET_PARAM.match(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    )
    return urlunsplit((parts.scheme, host, parts.path, query, parts.fragment))


# An endpoint's URL: used as given, written down without its credentials (redact_url).
EndpointUrl = Annotated[str | None, PlainSerializer(redact_url, when_used="json")]


class Strict(BaseModel):
    """A config section: unknown keys are errors, and a value set later is validated too."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


def distinct(values: list, what: str) -> list:
    """A list option's values in order, each once; an empty list is an error naming `what`."""
    if not values:
        raise ValueError(f"at least one {what} is needed")
    return list(dict.fromkeys(values))

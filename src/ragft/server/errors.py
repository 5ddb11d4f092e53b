"""OpenAI's error objects: `{"error": {"message", "type", "param", "code"}}` with the matching HTTP status."""

from __future__ import annotations

import json
import logging
from typing import Any


class APIError(Exception):
    """An error a client sees; raised anywhere in the server, rendered by `error_response`."""

    def __init__(
        self,
        status: int,
        message: str,
        type: str = "invalid_request_error",  # noqa: A002 - OpenAI's name
        param: str | None = None,
        code: str | None = None,
    ):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return error_body(self.message, self.type, self.param, self.code)


def error_body(
    message: str,
    type: str = "invalid_request_error",
    param: str | None = None,  # noqa: A002
    code: str | None = None,
) -> dict[str, Any]:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def bad_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


def not_found(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(404, message, param=param, code=code)


def model_not_found(model: str) -> APIError:
    return not_found(f"The model '{model}' does not exist or you do not have access to it.", "model", "model_not_found")


_TYPE_TAGS = ("str", "int", "float", "bool", "list", "dict")


def install_handlers(app) -> None:
    """Every error, including FastAPI's own 404/405/422 and unexpected exceptions, in OpenAI's shape."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import Response
    from starlette.exceptions import HTTPException

    def respond(status: int, body: dict) -> Response:
        # ASCII JSON: a message that quotes the client's own text (an unknown model id holding a lone
        # surrogate) still renders, as a \\u escape, instead of failing into a 500.
        return Response(json.dumps(body, ensure_ascii=True), status_code=status, media_type="application/json")

    @app.exception_handler(APIError)
    async def _api_error(request, exc: APIError):
        return respond(exc.status, exc.body())

    @app.exception_handler(RequestValidationError)
    async def _invalid(request, exc: RequestValidationError):
        errors = exc.errors()
        # Of a union's failures, a check's own reason says more than "should be a valid string".
        err = next((e for e in errors if e.get("type") == "value_error"), errors[0] if errors else {})
        # pydantic names union members in the path ("content.str", "function-after[...]"): not a client's param
        loc = [
            str(p)
            for p in err.get("loc", ())
            if p not in ("body", "query", "path", *_TYPE_TAGS) and (isinstance(p, int) or str(p).isidentifier())
        ]
        param = ".".join(loc) or None
        said = str(err.get("msg", "invalid request")).removeprefix("Value error, ")
        message = f"{param}: {said}" if param else said
        return respond(400, error_body(message, param=param))

    @app.exception_handler(HTTPException)
    async def _http(request, exc: HTTPException):
        cause = exc.__cause__
        if isinstance(cause, APIError):  # e.g. an upload over the size limit, seen while parsing the form
            return respond(cause.status, cause.body())
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404:
            message = f"Unknown request URL: {request.method} {request.url.path}."
        return respond(exc.status_code, error_body(message))

    @app.exception_handler(Exception)
    async def _unexpected(request, exc: Exception):
        # The traceback goes to the server's log; the client learns nothing of the internals.
        logging.getLogger("ragft.server").error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return respond(
            500,
            error_body(
                "The server had an error while processing your request. Its log says more.", type="server_error"
            ),
        )

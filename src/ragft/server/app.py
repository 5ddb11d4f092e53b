"""The FastAPI app: OpenAI's routes over the store, the model registry and the fine-tuning worker."""

from __future__ import annotations

import base64
import hmac
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ragft.rag.embeddings import embed, sentence_model
from ragft.server import chat, completions
from ragft.server.batcher import DEFAULT_MAX_BATCH
from ragft.server.decoding import DEFAULT_MAX_QUEUE, run_cancellable
from ragft.server.embedding_input import input_texts
from ragft.server.errors import APIError, bad_request, error_body, install_handlers, model_not_found, not_found
from ragft.server.jobs import Worker, new_job
from ragft.server.registry import EMBEDDING_MODELS, Registry
from ragft.server.schemas import ChatCompletionRequest, CompletionRequest, EmbeddingRequest, FineTuningJobRequest
from ragft.server.storage import Store, page, public

FILE_PURPOSES = ("fine-tune", "assistants", "batch", "user_data", "vision", "evals")
DEFAULT_MAX_UPLOAD_MB = 100


@dataclass
class ServerSettings:
    data_dir: Path
    aliases: dict[str, str] = field(default_factory=dict)
    api_key: str | None = None
    device: str = "auto"
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_MB * 2**20
    finetune_method: str = "full"
    max_queue: int = DEFAULT_MAX_QUEUE  # generations running or waiting; more get a 429
    max_batch: int = DEFAULT_MAX_BATCH  # choices of concurrent requests decoded together


class BodyLimit:
    """Rejects request bodies over the limit: by Content-Length at once, else while they stream in."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    def _too_large(self) -> APIError:
        return APIError(413, f"Request body too large: the limit is {self.max_bytes} bytes.", code="file_too_large")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            return await JSONResponse(self._too_large().body(), status_code=413)(scope, receive, send)
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise self._too_large()
            return message

        return await self.app(scope, limited, send)


class Authorize:
    """Every request but the readiness probe needs `Authorization: Bearer KEY`, else a 401.

    Plain ASGI, not Starlette's BaseHTTPMiddleware: that one hides a client's disconnect from the
    endpoint, and a generation whose client left must notice it (server/decoding.py)."""

    def __init__(self, app, api_key: str):
        self.app, self.expected = app, f"Bearer {api_key}".encode()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("path") == "/health":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):
            return await self.app(scope, receive, send)
        message = (
            "You didn't provide an API key. Send it as 'Authorization: Bearer KEY'."
            if not given
            else "Incorrect API key provided."
        )
        return await JSONResponse(error_body(message, code="invalid_api_key"), status_code=401)(scope, receive, send)


def _file_or_404(store: Store, file_id: str) -> dict:
    record = store.get_file(file_id)
    if record is None:
        raise not_found(f"No such File object: {file_id}", "id")
    return record


def _job_or_404(store: Store, job_id: str) -> dict:
    job = store.get_job(job_id)
    if job is None:
        raise not_found(f"Could not find fine-tune: {job_id}", "fine_tune_id", "fine_tune_not_found")
    return job


def _import_model_libraries() -> None:
    """Import transformers' lazily-loaded classes once, before any thread does: its lazy module is not
    safe to initialise from two threads at once (a request loading a model while a job starts training)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: F401


def create_app(settings: ServerSettings) -> FastAPI:
    store = Store(settings.data_dir)
    registry = Registry(
        store, settings.aliases, settings.device, max_queue=settings.max_queue, max_batch=settings.max_batch
    )
    worker = Worker(store, registry, settings.finetune_method)

    @asynccontextmanager
    async def lifespan(app):
        _import_model_libraries()
        worker.start()
        yield
        worker.stop()

    # The schema is served (clients and API fuzzers read it); no docs pages, which would load scripts from a CDN.
    app = FastAPI(title="ragft", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.store, app.state.registry, app.state.worker = store, registry, worker
    install_handlers(app)

    if settings.api_key:
        app.add_middleware(Authorize, api_key=settings.api_key)
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)

    @app.get("/health")
    def health():
        return {"status": "ok"}

    # -- models --------------------------------------------------------------------------------
    @app.get("/v1/models")
    def list_models():
        return {"object": "list", "data": registry.list_models()}

    @app.get("/v1/models/{model_id:path}")
    def retrieve_model(model_id: str):
        return registry.model_object(model_id)

    # -- chat, completions and embeddings ------------------------------------------------------
    async def generate(kind, body, request: Request):
        """`kind` (server/chat.py or completions.py) answers on worker threads: the event loop stays free to
        notice a client that leaves, which stops its generation within a decoding step (server/decoding.py)."""
        prepared = await run_in_threadpool(kind.prepare, registry, body)
        if body.stream:
            return StreamingResponse(
                kind.stream(registry, prepared, body.include_usage()), media_type="text/event-stream"
            )
        answer = await run_cancellable(
            request,
            registry.admission,
            lambda cancelled: kind.complete(registry, prepared, cancelled),
            *prepared.places,
        )
        return answer if answer is not None else Response(status_code=499)  # nobody is there to read it

    @app.post("/v1/chat/completions")
    async def chat_completions(body: ChatCompletionRequest, request: Request):
        return await generate(chat, body, request)

    @app.post("/v1/completions")
    async def text_completions(body: CompletionRequest, request: Request):
        return await generate(completions, body, request)

    @app.post("/v1/embeddings")
    def embeddings(body: EmbeddingRequest):
        import numpy as np

        if body.model not in EMBEDDING_MODELS:
            raise model_not_found(body.model)
        texts, tokens = input_texts(body.input)
        with registry.generate_lock:
            vectors = embed(texts)
            if tokens is None:
                tokens = sum(len(ids) for ids in sentence_model().tokenizer(texts)["input_ids"])
        if body.dimensions is not None and body.dimensions != len(vectors[0]):
            raise bad_request(f"dimensions: {body.model} has {len(vectors[0])} dimensions.", "dimensions")

        def encode(v):
            return (
                base64.b64encode(np.asarray(v, dtype=np.float32).tobytes()).decode()
                if body.encoding_format == "base64"
                else v
            )

        return {
            "object": "list",
            "model": body.model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            "data": [{"object": "embedding", "index": i, "embedding": encode(v)} for i, v in enumerate(vectors)],
        }

    # -- files ---------------------------------------------------------------------------------
    @app.post("/v1/files")
    async def upload_file(file: UploadFile = File(...), purpose: str = Form(...)):
        if purpose not in FILE_PURPOSES:
            raise bad_request(f"purpose must be one of {', '.join(FILE_PURPOSES)}, got {purpose!r}.", "purpose")
        data = await file.read()
        if not data:
            raise bad_request("The uploaded file is empty.", "file")
        return store.add_file(data, file.filename or "upload", purpose)

    @app.get("/v1/files")
    def list_files(purpose: str | None = None, after: str | None = None, limit: int = 10000, order: str = "desc"):
        rows = store.list_files(purpose)
        return page(rows if order == "desc" else rows[::-1], after, max(1, limit))

    @app.get("/v1/files/{file_id}")
    def retrieve_file(file_id: str):
        return _file_or_404(store, file_id)

    @app.get("/v1/files/{file_id}/content")
    def file_content(file_id: str):
        _file_or_404(store, file_id)
        return Response(store.file_path(file_id).read_bytes(), media_type="application/octet-stream")

    @app.delete("/v1/files/{file_id}")
    def delete_file(file_id: str):
        _file_or_404(store, file_id)
        return {"id": file_id, "object": "file", "deleted": store.delete_file(file_id)}

    # -- fine-tuning ---------------------------------------------------------------------------
    @app.post("/v1/fine_tuning/jobs")
    def create_job(body: FineTuningJobRequest):
        registry.resolve(body.model)  # 404 for an unknown model
        for param in ("training_file", "validation_file"):
            file_id = getattr(body, param)
            if file_id is None:
                continue
            record = store.get_file(file_id)
            if record is None:
                raise bad_request(f"invalid {param}: {file_id} does not exist.", param)
            if record["purpose"] != "fine-tune":
                raise bad_request(
                    f"{param} {file_id} has purpose {record['purpose']!r}; upload it with purpose 'fine-tune'.", param
                )
        hp = body.merged_hyperparameters()
        job = new_job(
            body.model,
            body.training_file,
            hp,
            {"type": "supervised", "supervised": {"hyperparameters": hp}},
            42 if body.seed is None else body.seed,
            body.suffix,
            body.validation_file,
            body.metadata,
        )
        return public(worker.submit(job))

    @app.get("/v1/fine_tuning/jobs")
    def list_jobs(after: str | None = None, limit: int = 20):
        return page([public(j) for j in store.list_jobs()], after, max(1, limit))

    @app.get("/v1/fine_tuning/jobs/{job_id}")
    def retrieve_job(job_id: str):
        return public(_job_or_404(store, job_id))

    @app.post("/v1/fine_tuning/jobs/{job_id}/cancel")
    def cancel_job(job_id: str):
        _job_or_404(store, job_id)
        return public(worker.cancel(job_id))

    @app.get("/v1/fine_tuning/jobs/{job_id}/events")
    def job_events(job_id: str, after: str | None = None, limit: int = 20):
        _job_or_404(store, job_id)
        return page(store.events(job_id)[::-1], after, max(1, limit))

    return app

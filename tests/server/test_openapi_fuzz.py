"""Schemathesis against the server's own OpenAPI schema (the app in-process, a tiny model): no 5xx.

Every operation the schema lists gets generated requests, valid and invalid ones (Schemathesis'
positive and negative modes), naming a model the server has where a body names one; the only property
asserted is the issue's: never a server error.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")

from schemathesis.generation import GenerationMode  # noqa: E402

from ragft.server.app import ServerSettings, create_app  # noqa: E402

EXAMPLES = 30  # per operation and mode; derandomized, so every run sends the same requests


def test_no_generated_request_gets_a_server_error(tmp_path, tiny_model_dir):
    app = create_app(ServerSettings(data_dir=tmp_path, aliases={"tiny": str(tiny_model_dir)}, max_upload_bytes=2**20))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]
    sent, failures = [], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def call(case):
                if isinstance(case.body, dict) and "model" in case.body:
                    # a known model, or every generated request stops at the 404 of an unknown one
                    case.body["model"] = "all-minilm-l6-v2" if "embeddings" in case.path else "tiny"
                response = case.call()
                sent.append(operation.label)
                if response.status_code >= 500:
                    failures.append((operation.label, case.body, response.status_code, response.text[:300]))

            try:
                call()
            except Unsatisfiable:  # nothing to make invalid: an operation without parameters or body
                assert mode == GenerationMode.NEGATIVE, operation.label
    assert not failures, failures[:5]
    assert len(sent) >= 300, len(sent)
    print(f"{len(sent)} requests over {len(operations)} operations")

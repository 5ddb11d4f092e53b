"""Concurrent requests are decoded together: the app in-process (ASGI), a tiny model, a held generation lock."""

import asyncio

import httpx

from ragft.server.app import ServerSettings, create_app


def test_concurrent_chats_share_one_batch(tmp_path, tiny_model_dir):
    app = create_app(ServerSettings(data_dir=tmp_path, aliases={"tiny": str(tiny_model_dir)}))
    registry = app.state.registry
    n = 12  # more than asyncio's default thread pool holds on a small machine (cores + 4)
    body = {"model": "tiny", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0}

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await client.post("/v1/chat/completions", json=body)).status_code == 200  # loads the model
            registry.generate_lock.acquire()  # the first batch waits for it; the others queue behind
            try:
                sent = [asyncio.create_task(client.post("/v1/chat/completions", json=body)) for _ in range(n)]
                for _ in range(3000):  # every request handed to the batcher (at most 30 s)
                    await asyncio.sleep(0.01)
                    if registry.batcher.pending_rows >= n:
                        break
            finally:
                registry.generate_lock.release()
            return [await r for r in sent]

    answers = asyncio.run(main())
    assert [a.status_code for a in answers] == [200] * n
    texts = {a.json()["choices"][0]["message"]["content"] for a in answers}
    assert len(texts) == 1  # the same greedy answer, whichever batch decoded it
    # after the warm-up request: the batch the worker took before the lock was free, and one for the rest
    batches = list(registry.batcher.batches)[1:]
    assert sum(batches) == n and len(batches) <= 2, registry.batcher.batches

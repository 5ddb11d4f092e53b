"""Chat datasets: OpenAI chat JSONL read/write/validate, synthetic generators, question extraction."""

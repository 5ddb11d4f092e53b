"""`ragft serve`: an OpenAI-compatible HTTP API over ragft's local models and trainer."""

"""Evaluation: the arms, the metrics, and the experiment runner with its per-question records."""

"""Tests of `ragft serve` (a package, so its conftest does not shadow tests/conftest.py)."""

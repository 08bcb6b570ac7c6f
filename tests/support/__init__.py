"""Helpers shared by tests and benchmarks (synthetic callers, fixtures)."""

"""Simulated phone callers: scenarios, speech-to-text errors, runs and judging."""

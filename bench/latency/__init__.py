"""Shared pieces of the latency benchmarks (bench/voice_latency.py, bench/task_latency.py)."""

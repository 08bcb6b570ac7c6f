"""Data helpers of the answering-machine benchmark (bench/amd.py)."""

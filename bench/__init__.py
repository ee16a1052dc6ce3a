"""Benchmarks: each script prints its figures; see README.md for the latest."""

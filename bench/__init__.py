"""Benchmarks: `make bench` (or `python -m bench.run --help`). Not tests; see docs/PERFORMANCE.md."""

"""Benchmarks: measured side by side against the tool a user would otherwise pick; figures go into bench/README.md."""

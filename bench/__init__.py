"""Reproducible benchmarks; each has a section in bench/README.md."""

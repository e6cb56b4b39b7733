"""Timed rules: the sweep registry, the lease, and each sweep's recorded runs."""

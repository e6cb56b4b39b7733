"""Demo data for local runs and demos: ``seed_demo`` fills an empty (or any) database
through core's services; the catalogue itself is in ``demo/data/*.yaml``."""

from demo.seed import SeedReport, seed_demo

__all__ = ["SeedReport", "seed_demo"]

"""Demo data for local runs and demos: ``seed_demo`` fills an empty (or any) database."""

from core.demo.seed import SeedReport, seed_demo

__all__ = ["SeedReport", "seed_demo"]

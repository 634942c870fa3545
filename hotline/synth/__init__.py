"""Synthetic but realistic data for the demo and for benchmarks."""

"""Public fakes and synthetic data for tests and benchmarks."""

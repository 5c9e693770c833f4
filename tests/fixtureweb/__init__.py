"""The fixture news web served on loopback for tests, the demo and the benchmarks."""

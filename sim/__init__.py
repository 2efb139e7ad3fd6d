"""The technicians' simulator and the load generator behind the benchmarks."""

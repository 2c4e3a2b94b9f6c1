"""Chapter 7: benchmarks, monitoring and their figures."""

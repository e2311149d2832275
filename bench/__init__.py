"""Scripts that measure; results go to docs/PERFORMANCE.md."""

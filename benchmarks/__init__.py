"""Benchmarks: costboard measured side by side with raw DuckDB or polars doing the same work.

Run with ``make bench``. Each benchmark prints medians of several interleaved runs and the
ratio costboard / baseline; nothing here asserts a timing.
"""

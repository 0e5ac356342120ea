"""Mutation testing of the modules where a silent error costs most (``make mutation``)."""

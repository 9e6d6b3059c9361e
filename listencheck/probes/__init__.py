"""Probes: each stage of a check against one endpoint, each under a deadline."""

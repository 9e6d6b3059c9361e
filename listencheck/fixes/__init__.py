"""Fixes as data: per-broker addresses, forwarded paths, and (later) edits to a listener configuration."""

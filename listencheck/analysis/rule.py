"""What a rules module gives the analysis: its rules, by what each is run on.

Each ``*_rules`` module ends with ``RULES = Rules(...)``; the stage registry
(``listencheck.stages``, a StageSpec's ``rules``) names the modules, and the
analysis runs every rule of every module it names. A rule is a pure function
of the results: it never reads another rule's findings (``analysis.suppress``
settles those after all rules ran).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from listencheck.analysis.context import BootstrapContext
from listencheck.models import CheckResult, Finding
from listencheck.stages import REGISTRY

BootstrapRule = Callable[[BootstrapContext], Iterable[Finding]]
AcrossRule = Callable[[list[BootstrapContext]], Iterable[Finding]]
RunRule = Callable[[CheckResult], Iterable[Finding]]


@dataclass(frozen=True)
class Rules:
    """One module's rules: per bootstrap argument, across all of them, and once per run."""

    bootstrap: tuple[BootstrapRule, ...] = ()
    across: tuple[AcrossRule, ...] = ()
    run: tuple[RunRule, ...] = ()


@cache
def registered() -> tuple[Rules, ...]:
    """The rules of every module the stage registry names, in registry order."""
    names = dict.fromkeys(name for spec in REGISTRY for name in spec.rules)
    found = []
    for name in names:
        rules = getattr(importlib.import_module(f"listencheck.analysis.{name}"), "RULES", None)
        if not isinstance(rules, Rules):
            raise TypeError(f"listencheck.analysis.{name} has no RULES = Rules(...)")
        found.append(rules)
    return tuple(found)

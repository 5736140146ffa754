"""The rule registry.

Rules run in the order of ``RULE_MODULES`` (and, inside a module, in the order
they are defined).  Each module covers one migration topic; its rules carry
their own docs and before/after examples (see ``tests/test_rule_examples.py``).
"""

from __future__ import annotations

from ..errors import MigrateError

import importlib
import importlib.util
from typing import Iterable

from ..model import RuleOutcome
from .base import REGISTRY, Example, MigrationContext, Rule, Valid, rule  # noqa: F401

# Order matters: later rules read what earlier ones produced (e.g. the step
# rule puts accumulative_counts on the wrappers OPT001 created).
RULE_MODULES = [
    "optimizer",  # OPT: optimizer -> optim_wrapper
    "steps",  # STP: disc/gen steps, accumulation
    "amp",  # AMP: fp16 loss scaler, apex
    "ema",  # EMA: EMA hook -> model.ema_config
    "models",  # MOD: model types, losses, data_preprocessor, family train_cfg keys
    "schedule",  # SCH: total_iters -> train_cfg loop, lr_config -> param_scheduler
    "runtime",  # RUN: hooks, env, runner, wrappers
    "evaluation",  # EVL: evaluation, metrics, visualisation
    "data",  # DAT: data -> dataloaders
    "registry",  # REG: every emitted `type` exists in MMagic/MMEngine (runs last)
]



class MissingRuleModuleError(ImportError):
    """A module named in ``RULE_MODULES`` is not in the package: running
    without its rules would convert silently less."""


def load_rule_modules(names: Iterable[str], package: str = __name__) -> None:
    """Import the rule modules ``names`` of ``package`` in order (importing a
    module registers its rules); a missing one raises."""
    for name in names:
        module = f"{package}.{name}"
        if importlib.util.find_spec(module) is None:
            raise MissingRuleModuleError(f"rule module {module} (listed in RULE_MODULES) is missing")
        importlib.import_module(module)


load_rule_modules(RULE_MODULES)


class UnknownRuleError(MigrateError, ValueError):
    pass


def all_rules() -> list[Rule]:
    return list(REGISTRY.values())


def resolve_selection(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Rule]:
    """Rules to run for ``--select``/``--ignore`` (ids or id prefixes, like ruff)."""

    def matches(spec: str) -> list[str]:
        spec = spec.strip()
        up, low = spec.upper(), spec.lower()  # ids and names in any case: `stp001`, `opt`, `OPT-MULTI`
        hits = [rid for rid in REGISTRY
                if rid.upper() == up or (up and rid.upper().startswith(up)) or REGISTRY[rid].name.lower() == low]
        if not hits:
            raise UnknownRuleError(f"unknown rule {spec!r} (see `mmgen-migrate rules`)")
        return hits

    chosen = list(REGISTRY)
    if select:
        wanted = {rid for spec in select for rid in matches(spec)}
        chosen = [rid for rid in chosen if rid in wanted]
    if ignore:
        dropped = {rid for spec in ignore for rid in matches(spec)}
        chosen = [rid for rid in chosen if rid not in dropped]
    return [REGISTRY[rid] for rid in chosen]


def apply_rules(effective: dict, rules: Iterable[Rule] | None = None, *, partial: bool = False) -> RuleOutcome:
    """Run ``rules`` (default: all) on a 0.x effective config."""
    ctx = MigrationContext(effective, partial=partial)
    for r in all_rules() if rules is None else rules:
        r(ctx)
    return RuleOutcome(target=ctx.cfg, changes=ctx.changes)

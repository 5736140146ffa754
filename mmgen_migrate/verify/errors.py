"""Errors raised by the verifier for input it cannot use.

These never import torch, so ``import mmgen_migrate.verify`` works in an
environment without the ``verify`` extra.
"""
from __future__ import annotations

from ..errors import MigrateError

from typing import Optional

INSTALL_HINT = "pip install 'mmgen-migrate[verify]'"


class VerifyInputError(MigrateError):
    """The verifier cannot use its input (unreadable config, wrong shape...).

    ``path`` names the offending file (or ``<old config>``/``<new config>``
    for dicts); ``problem`` is a one-line description. ``str(err)`` is
    ``"<path>: <problem>"`` so the CLI can print ``error: <path>: <problem>``.
    """

    def __init__(self, problem: str, path: Optional[str] = None):
        self.problem = " ".join(str(problem).split())  # keep it one line
        self.path = path
        super().__init__(f"{path}: {self.problem}" if path else self.problem)


class TorchMissingError(VerifyInputError):
    """torch is not installed; the verifier needs it to train surrogates."""

    def __init__(self, detail: str = ""):
        msg = ("the verifier needs PyTorch, which is not installed; "
               f"install it with: {INSTALL_HINT}")
        if detail:
            msg += f" ({detail})"
        super().__init__(msg, path=None)

"""The verifier's result: verdict, differences, timelines, JSON form.

Torch-free on purpose: the CLI and the ``convert --verify`` wiring can
import this without the ``verify`` extra.

JSON schema ``mmgen-migrate.verify/1`` (``VerifyResult.to_json()``)::

    {
      "schema": "mmgen-migrate.verify/1",
      "verdict": "equivalent" | "different" | "not verified",
      "exit_code": 0 | 1,              # "not verified" is not a pass
      "reasons": [str, ...],           # why, in words, most important first
      "first_difference": int | null,  # first iteration where the runs differ
      "old": {"source": str, "model_type": str, "family": str, "schedule": {...}},
      "new": {...same...},
      "iterations": int, "device": "cpu" | "cuda", "seed": int,
      "differences": [{"kind": str, "message": str, "iteration": int | null,
                       "module": str | null, "known": bool,
                       "old": any, "new": any}, ...],
      "not_verified": [str, ...],      # what could not be replayed, and why
      "notes": [str, ...],             # informational, never affect the verdict
      "timelines": {name: {"old": str, "new": str, "marks": str,
                           "note": str}, ...},  # note: only when the rows differ unmarked
      "legend": {char: meaning, ...},
      "optimizers": {module: {"old": {...}, "new": {...}}},
      "parameters": {module: {"allclose": bool, "max_abs_diff": float}},
      "coverage": {...},               # what the run covered (lr, EMA start...)
      "steps": {module: {"old": [[iteration, passes], ...], "new": [...]}},
                                       # every optimizer step and the backward
                                       # passes that fed it
      "ema_events": {"old": [[iteration, "copy"|"first"|"avg"|"skip", weight?], ...],
                     "new": [...]},    # weight: on the new value; "first": the
                                       # hard copy of 1.x's first update call
      "elapsed_s": float
    }

Difference kinds: ``optimizer`` (type or hyper-parameters), ``steps``
(when a module's optimizer steps), ``passes`` (backward passes feeding a
step), ``lr``, ``ema`` (EMA average events), ``ema-momentum``,
``parameters`` (values diverge), ``crash`` (one side raised),
``training-length``, ``batch-size``, ``amp``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from ..errors import ValueEnum

SCHEMA = "mmgen-migrate.verify/1"
class Verdict(ValueEnum):
    """verify's answer (``Verdict.EQUIVALENT == "equivalent"``)."""

    EQUIVALENT = "equivalent"
    DIFFERENT = "different"
    NOT_VERIFIED = "not verified"


EQUIVALENT, DIFFERENT, NOT_VERIFIED = Verdict.EQUIVALENT, Verdict.DIFFERENT, Verdict.NOT_VERIFIED
VERDICTS = tuple(Verdict)

# One character per iteration in the module timelines.
LEGEND = {
    "·": "no backward pass, no step",
    ":": "backward pass(es) accumulated, no optimizer step",
    "S": "one optimizer step",
    "2-9": "that many optimizer steps in the iteration (generator inner loop)",
    "c": "EMA copied from the generator",
    "a": "EMA averaged",
    "s": "EMA update call skipped by its interval (1.x)",
    "↓/↑": "lr decreased / increased at this iteration",
    "^": "(marks row) the two runs differ at this iteration",
    "x": "the run crashed at this iteration",
}


@dataclass
class Difference:
    kind: str
    message: str
    iteration: Optional[int] = None
    module: Optional[str] = None
    known: bool = False
    old: Any = None
    new: Any = None

    def to_json(self) -> dict:
        return {
            "kind": self.kind,
            "message": self.message,
            "iteration": self.iteration,
            "module": self.module,
            "known": self.known,
            "old": _jsonable(self.old),
            "new": _jsonable(self.new),
        }


@dataclass
class Timeline:
    """One row pair of the timeline: ``old`` above ``new``, one char/iter."""

    name: str
    old: str
    new: str
    marks: str = ""

    @property
    def note(self) -> str:
        """Why rows that look different are not marked (``""`` when they
        look the same or are marked): the reader sees two rows differ and no
        ``^`` and must not have to guess."""
        cols = [(o, n) for o, n in zip(self.old, self.new) if o != n]
        if not cols and len(self.old) == len(self.new) or self.marks.strip():
            return ""
        quiet = set("cs·")  # EMA copies, skipped calls, nothing
        if all(o in quiet and n in quiet for o, n in cols):
            return (f"{self.name}: the rows differ only in EMA copies (c) and skipped calls (s), "
                    f"at {len(cols)} iteration{'s' if len(cols) != 1 else ''}: 0.x copies the generator "
                    "into the EMA every iteration before start_iter, 1.x only when the generator steps; "
                    "the generator changes only when it steps, so both copies give the same EMA. The "
                    "averages (a) are compared one by one and match.")
        return (f"{self.name}: the rows differ at {len(cols)} iteration{'s' if len(cols) != 1 else ''} "
                "that the comparison does not count as a difference (see the reasons above).")

    def to_json(self) -> dict:
        out = {"old": self.old, "new": self.new, "marks": self.marks}
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class VerifyResult:
    verdict: str
    reasons: List[str] = field(default_factory=list)
    first_difference: Optional[int] = None
    timelines: Dict[str, Timeline] = field(default_factory=dict)
    differences: List[Difference] = field(default_factory=list)
    not_verified: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    old: Dict[str, Any] = field(default_factory=dict)
    new: Dict[str, Any] = field(default_factory=dict)
    iterations: int = 0
    device: str = "cpu"
    seed: int = 0
    optimizers: Dict[str, Any] = field(default_factory=dict)
    parameters: Dict[str, Any] = field(default_factory=dict)
    coverage: Dict[str, Any] = field(default_factory=dict)
    steps: Dict[str, Any] = field(default_factory=dict)
    ema_events: Dict[str, Any] = field(default_factory=dict)
    elapsed_s: float = 0.0

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {self.verdict!r}")

    @property
    def exit_code(self) -> int:
        """0 when equivalent; 1 when different *or not verified*.

        "not verified" is deliberately not a pass: a CI job must not go
        green on a config the verifier could not replay. Unusable input
        never produces a result; it raises ``VerifyInputError`` (exit 2).
        """
        return 0 if self.verdict == EQUIVALENT else 1

    def to_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "verdict": self.verdict,
            "exit_code": self.exit_code,
            "reasons": list(self.reasons),
            "first_difference": self.first_difference,
            "old": _jsonable(self.old),
            "new": _jsonable(self.new),
            "iterations": self.iterations,
            "device": self.device,
            "seed": self.seed,
            "differences": [d.to_json() for d in self.differences],
            "not_verified": list(self.not_verified),
            "notes": list(self.notes),
            "timelines": {k: t.to_json() for k, t in self.timelines.items()},
            "legend": dict(LEGEND),
            "optimizers": _jsonable(self.optimizers),
            "parameters": _jsonable(self.parameters),
            "coverage": _jsonable(self.coverage),
            "steps": _jsonable(self.steps),
            "ema_events": _jsonable(self.ema_events),
            "elapsed_s": round(self.elapsed_s, 3),
        }


def _jsonable(value: Any) -> Any:
    """Convert tuples, floats like inf/nan, and odd objects to JSON values."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return value
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)

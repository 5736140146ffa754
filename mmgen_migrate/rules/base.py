"""The rule framework: registration, the migration context, examples.

A rule is a small function on the *effective* config (plain dicts, as MMEngine
loads them, ``_base_`` already merged).  It reads the 0.x values from
``ctx.source`` (read-only), edits the working 1.x view ``ctx.cfg`` through the
context's helpers, and every helper records a :class:`~mmgen_migrate.model.Change`
that says which rule did what, why, and how far it can be trusted.  Rules do no
I/O and never see source text: turning the result back into source is the
emitter's job.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from ..model import (
    MISSING,
    Change,
    Path,
    Severity,
    copy_value,
    get_path,
    pop_path,
    set_path,
)


@dataclass(frozen=True)
class Example:
    """A before/after pair: converting ``before`` (a config file's source, with
    only this rule and the rules it requires selected) must give ``after``
    exactly."""

    before: str
    after: str

    def __post_init__(self):
        object.__setattr__(self, "before", textwrap.dedent(self.before).lstrip("\n"))
        object.__setattr__(self, "after", textwrap.dedent(self.after).lstrip("\n"))


@dataclass(frozen=True)
class Valid:
    """A config this rule must leave byte-identical."""

    source: str

    def __post_init__(self):
        object.__setattr__(self, "source", textwrap.dedent(self.source).lstrip("\n"))


@dataclass
class Rule:
    id: str
    name: str
    summary: str
    doc: str
    func: Callable[["MigrationContext"], None]
    examples: Sequence[Example | Valid] = ()
    requires: Sequence[str] = ()
    topic: str = ""

    def __call__(self, ctx: "MigrationContext") -> None:
        ctx.rule = self.id
        try:
            self.func(ctx)
        finally:
            ctx.rule = None


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    name: str,
    summary: str,
    *,
    examples: Iterable[Example | Valid] = (),
    requires: Iterable[str] = (),
):
    """Register a rule.  The function's docstring is the rule's documentation
    (sections: what it does, why, exactness, reference)."""

    def decorate(func: Callable[["MigrationContext"], None]) -> Rule:
        if id in REGISTRY:
            raise ValueError(f"duplicate rule id {id}")
        doc = textwrap.dedent(func.__doc__ or "").strip()
        topic = func.__module__.rsplit(".", 1)[-1]
        r = Rule(id, name, summary, doc, func, tuple(examples), tuple(requires), topic)
        REGISTRY[id] = r
        return r

    return decorate


class MigrationContext:
    """The state one rule run works on.

    ``source`` is the 0.x effective config (never modified); ``cfg`` is the
    working copy that becomes the 1.x config.  ``partial`` is true for a file
    that is a ``_base_`` of another converted file: it may hold only part of a
    config, so rules must not assume other parts exist.
    """

    def __init__(self, source: dict, *, partial: bool = False):
        self.source = source
        self.cfg = copy_value(source)
        self.partial = partial
        self.changes: list[Change] = []
        self.rule: str | None = None
        self.facts: dict[str, Any] = {}

    # -- reading -----------------------------------------------------------
    def old(self, path: Path, default: Any = MISSING) -> Any:
        return get_path(self.source, path, default)

    def get(self, path: Path, default: Any = MISSING) -> Any:
        return get_path(self.cfg, path, default)

    # -- recording changes -------------------------------------------------
    def _record(self, severity: Severity, message: str, **kw) -> Change:
        assert self.rule is not None, "context helpers are for rules"
        change = Change(rule=self.rule, severity=Severity(severity), message=message, **kw)
        self.changes.append(change)
        return change

    def origin(self, path: Path) -> Path:
        """The 0.x path a working-config path came from, following earlier
        moves (a value moved twice still points at its original source)."""
        for change in reversed(self.changes):
            if change.moved and change.new_path is not None and path[: len(change.new_path)] == change.new_path:
                return self.origin(change.old_paths[0] + path[len(change.new_path) :])
        return path

    def move(self, old: Path, new: Path, message: str, *, severity: Severity = Severity.EXACT) -> None:
        """Move the value at ``old`` (a path in the working config) to ``new``
        unchanged."""
        value = pop_path(self.cfg, old)
        if value is MISSING:
            return
        origin = self.origin(old)
        set_path(self.cfg, new, value)
        self._record(
            severity, message, old_paths=(origin,), new_path=new, old_value=value, new_value=value, moved=True
        )

    def record_move(
        self,
        old: Path,
        new: Path,
        value: Any,
        message: str,
        *,
        note: str | None = None,
        severity: Severity = Severity.EXACT,
    ) -> None:
        """Record that ``value``, already in place at ``new`` in the working
        config, is the value that was at ``old`` unchanged: the emitter then
        reuses ``old``'s source expression.  Unlike :meth:`move` this changes
        nothing in ``cfg``, and ``old`` is taken as given, a 0.x path (resolve
        a working-config path with :meth:`origin` first)."""
        self._record(
            severity, message, old_paths=(old,), new_path=new, old_value=value, new_value=value, moved=True, note=note
        )

    def put(
        self,
        new: Path,
        value: Any,
        message: str,
        *,
        inputs: Sequence[Path] = (),
        note: str | None = None,
        severity: Severity = Severity.EXACT,
        consume: bool = True,
    ) -> None:
        """Set ``new`` to a computed ``value``.  ``inputs`` are the 0.x paths
        it was computed from; with ``consume`` they leave the working config."""
        old_value = get_path(self.source, inputs[0]) if len(inputs) == 1 else MISSING
        if consume:
            for p in inputs:
                if p != new:
                    pop_path(self.cfg, p)
        origins = tuple(self.origin(p) for p in inputs)
        set_path(self.cfg, new, value)
        self._record(
            severity, message, old_paths=origins, new_path=new, old_value=old_value, new_value=value, note=note
        )

    def drop(self, old: Path, message: str, *, severity: Severity = Severity.EXACT) -> None:
        """Remove ``old``; ``message`` says why that is right."""
        value = pop_path(self.cfg, old)
        if value is MISSING:
            return
        self._record(severity, message, old_paths=(self.origin(old),), new_path=None, old_value=value)

    def flag(self, path: Path, message: str, *, severity: Severity = Severity.UNSUPPORTED) -> None:
        """Keep ``path`` as it is but report it (unsupported constructs are
        also marked with a ``# mmgen-migrate:`` comment in the output)."""
        self._record(
            severity, message, old_paths=(path,), new_path=path, old_value=get_path(self.source, path, MISSING)
        )

    def note(self, message: str, *, paths: Sequence[Path] = (), severity: Severity = Severity.REVIEW) -> None:
        """A finding that changes nothing."""
        self._record(severity, message, old_paths=tuple(paths), new_path=None)

    def prune_empty(self, path: Path, message: str) -> None:
        """Drop ``path`` if the rule left it an empty dict."""
        if self.get(path, None) == {}:
            pop_path(self.cfg, path)
            self._record(Severity.EXACT, message, old_paths=(path,), new_path=None, old_value={})


# For a 1.x top-level key that a 0.x key of another name turns into, the 0.x
# key it comes from.  A ``_base_`` file keeps a converted key only if it owned
# that 0.x key (see ``convert.restrict_to_owned``): two bases of one config can
# then never both define it.  Keys not listed stand for themselves.
PRIMARY_SOURCE: dict[str, str] = {
    "optim_wrapper": "optimizer",
}


def primary_source(new_key: str, old_key: str) -> None:
    """Declare that 1.x top-level ``new_key`` belongs with 0.x ``old_key``."""
    PRIMARY_SOURCE[new_key] = old_key


# For a 1.x top-level key that several 0.x keys can give, the 0.x keys other
# than its primary source.  A ``_base_`` file holding one of them claims the
# key too, unless a sibling base of some config of the tree also holds one
# (``convert.blocked_claims``): then only a holder of the primary source does.
OTHER_SOURCES: dict[str, tuple[str, ...]] = {}


def other_sources(new_key: str, *old_keys: str) -> None:
    """Declare that 1.x top-level ``new_key`` may also come from ``old_keys``."""
    OTHER_SOURCES[new_key] = OTHER_SOURCES.get(new_key, ()) + old_keys

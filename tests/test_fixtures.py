"""The fixture trees (``fixtures/<tree>/input`` → ``expected``) and the
architecture invariants on them:

1. semantic round trip: every converted config, loaded by MMEngine the way a
   user's training run loads it, equals the rules applied to the effective 0.x
   config (``_base_`` files: the part of it they own);
2. nothing lost silently (every 0.x leaf carried over or covered by a change);
3. idempotent: converting the converted tree changes nothing;
4. untouched statements are byte-identical; line endings are kept.
"""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from mmengine.config import Config

from mmgen_migrate.convert import (
    FAILED,
    UNCHANGED,
    convert_files,
    discover,
    UNSET_WITHOUT_LOOP,
    restrict_to_owned,
    unaccounted_leaves,
)
from mmgen_migrate.model import Severity, format_path, first_difference, same
from mmgen_migrate.rules import apply_rules

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TREES = sorted(p.parent.name for p in FIXTURES.glob("*/input") if (p.parent / "expected").is_dir())


def load(path: Path) -> dict:
    return Config.fromfile(str(path), import_custom_modules=False).to_dict()


@pytest.fixture(scope="module", params=TREES)
def converted(request, tmp_path_factory):
    """Convert a fixture tree into a temporary folder (like `convert -o`)."""
    tree = FIXTURES / request.param
    src = tree / "input"
    out = tmp_path_factory.mktemp(request.param) / "out"
    results = convert_files(discover(src), src)
    for r in results:
        if r.status != FAILED:
            (out / r.rel).parent.mkdir(parents=True, exist_ok=True)
            (out / r.rel).write_bytes(r.new_text.encode("utf-8"))
    return tree, src, out, results


def test_no_file_fails(converted):
    _, _, _, results = converted
    assert [(r.rel, r.error) for r in results if r.status == FAILED] == []


def test_output_matches_expected(converted):
    tree, _, out, results = converted
    expected = tree / "expected"
    for r in results:
        want = (expected / r.rel).read_bytes()
        got = (out / r.rel).read_bytes()
        assert got == want, f"{tree.name}/{r.rel} differs from expected (run scripts/update_fixtures.py and review)"
    assert sorted(p.relative_to(expected).as_posix() for p in expected.rglob("*.py")) == sorted(
        r.rel for r in results
    )


def test_semantic_round_trip(converted):
    """load_1x(convert(T)/C) == rules(load_0x(T/C)), computed independently of
    the converter's own check."""
    _, src, out, results = converted
    for r in results:
        old = load(src / r.rel)
        target = apply_rules(old, partial=r.is_base).target
        if r.is_base:
            target = restrict_to_owned(target, old, r.blocked)
        new = load(out / r.rel)
        for key in UNSET_WITHOUT_LOOP:  # an inherited loader this config has no loop for
            if key not in target and key in new and new[key] is None:
                target = {**target, key: None}
        diff = first_difference(new, target)
        assert diff is None, f"{r.rel}: converted config differs at {format_path(diff)}"


def test_nothing_lost_silently(converted):
    _, src, _, results = converted
    for r in results:
        if r.is_base:
            continue
        old = load(src / r.rel)
        outcome = apply_rules(old)
        assert unaccounted_leaves(old, outcome.target, outcome.changes) == [], r.rel
        assert not [c for c in r.changes if c.severity == Severity.ERROR], r.rel


def test_idempotent(converted, tmp_path):
    _, _, out, _ = converted
    again = convert_files(discover(out), out)
    assert [(r.rel, r.status, r.error) for r in again if r.status != UNCHANGED] == []
    for r in again:
        assert r.new_text.encode("utf-8") == (out / r.rel).read_bytes()


def _statements(text: str) -> list[tuple[set[str], str]]:
    module = cst.parse_module(text)
    out = []
    for stmt in module.body:
        names = set()
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            names.add(t.target.value)
        out.append((names, module.code_for_node(stmt.with_changes(leading_lines=[])).rstrip("\r\n")))
    return out


def test_untouched_statements_are_byte_identical(converted):
    _, src, out, results = converted
    for r in results:
        touched = set()
        for c in r.changes:
            for p in list(c.old_paths) + ([c.new_path] if c.new_path else []):
                if p:
                    touched.add(p[0])
        new_text = (out / r.rel).read_bytes().decode("utf-8")
        for names, code in _statements((src / r.rel).read_bytes().decode("utf-8")):
            if names & touched or "_base_" in names:
                continue
            assert code in new_text, f"{r.rel}: untouched statement changed:\n{code}"


def test_line_endings_kept(converted):
    _, src, out, results = converted
    for r in results:
        old = (src / r.rel).read_bytes()
        new = (out / r.rel).read_bytes()
        if b"\r\n" in old:
            assert new.count(b"\n") == new.count(b"\r\n"), f"{r.rel}: CRLF file got LF lines"
        else:
            assert b"\r" not in new, r.rel
        assert old.endswith(b"\n") == new.endswith(b"\n"), f"{r.rel}: final newline changed"


def test_child_that_only_overrides_accumulation_gets_right_steps(tmp_path):
    """Invariant 1 through a `_base_` chain: disc_steps=8 lives in a base, the
    child overrides only batch_accumulation_steps=4 → 2 D updates per G phase,
    accumulation 4 on both wrappers."""
    src = FIXTURES / "zoo" / "input"
    results = {r.rel: r for r in convert_files(discover(src), src)}
    out = tmp_path / "out"
    for r in results.values():
        (out / r.rel).parent.mkdir(parents=True, exist_ok=True)
        (out / r.rel).write_text(r.new_text, encoding="utf-8", newline="")
    cfg = load(out / "biggan/biggan_imagenet1k_128x128_accu4.py")
    assert cfg["model"]["discriminator_steps"] == 2
    assert cfg["optim_wrapper"]["generator"]["accumulative_counts"] == 4
    assert cfg["optim_wrapper"]["discriminator"]["accumulative_counts"] == 4
    assert cfg["optim_wrapper"]["generator"]["optimizer"]["lr"] == 0.0001
    # the base keeps the 8/1/8 conversion for configs that use it as is
    base = load(out / "biggan/biggan_imagenet1k_128x128_b32x8.py")
    assert base["model"]["discriminator_steps"] == 1
    assert base["optim_wrapper"]["discriminator"]["accumulative_counts"] == 8
    # and the child still links to its base instead of inlining it
    assert "_base_ = ['./biggan_imagenet1k_128x128_b32x8.py']" in (
        out / "biggan/biggan_imagenet1k_128x128_accu4.py").read_text()


def test_single_file_with_bases_is_inlined_and_self_contained(tmp_path):
    """Converting one file whose bases are not converted alongside: the
    output has no `_base_` (the 0.x bases would leak 0.x keys) and loads on its
    own to the full conversion."""
    src = FIXTURES / "zoo" / "input" / "biggan" / "biggan_imagenet1k_128x128_accu4.py"
    (res,) = convert_files([src], src.parent)
    assert res.status != FAILED, res.error
    assert res.inlined_bases == ["./biggan_imagenet1k_128x128_b32x8.py"]
    assert "_base_" not in "".join(
        line for line in res.new_text.splitlines() if not line.lstrip().startswith("#"))
    assert "mmgen-migrate: settings from _base_ file(s) ./biggan_imagenet1k_128x128_b32x8.py were inlined" in (
        res.new_text)
    out = tmp_path / "single.py"
    out.write_text(res.new_text, encoding="utf-8")
    got = load(out)
    want = apply_rules(load(src)).target
    assert same(got, want)

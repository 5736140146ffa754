#!/usr/bin/env python
"""Benchmark: how much longer a reviewer's reading gets after conversion.

    python benchmarks/bench_readability.py [TREE]     # default: the fixture zoo

Converts ``TREE/input`` (default ``fixtures/zoo/input``) in memory and prints,
per file, the non-comment lines of the 0.x input and of the 1.x output, the
variables the output reuses against those it could have reused, then the
largest growths and the totals side by side with the targets:

* total output non-comment lines <= 1.1x the input's;
* no leaf config (a file no other converted file inherits) above 1.5x its
  input, unless its report says why (a change whose message explains the
  growth; the file is then listed as "explained", not as a miss).

"Non-comment lines" are the physical lines holding code (a line with only a
comment or only whitespace does not count; a multi-line string counts every
line).  A variable *could be reused* where a value in the output equals the
value of a top-level variable bound earlier in the same output file (lists,
dicts, tuples and strings, or any value whose keyword has the variable's
name, e.g. ``inception_pkl=inception_pkl``); it *is reused* where the output
writes the variable's name there.

This script only prints figures; the exit status is 0 either way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import libcst as cst

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mmgen_migrate import staticeval  # noqa: E402
from mmgen_migrate.convert import FAILED, convert_files, discover  # noqa: E402
from mmgen_migrate.model import same  # noqa: E402

TOTAL_TARGET = 1.1
LEAF_TARGET = 1.5
from mmgen_migrate.emit import GROWTH_NOTE, code_lines  # noqa: E402


def _worth_naming(value) -> bool:
    return isinstance(value, (list, tuple, dict)) and bool(value) or isinstance(value, str) and len(value) > 1


class _Reuse(cst.CSTVisitor):
    """Count, in one statement, the values that equal a variable in scope."""

    def __init__(self, env: staticeval.Env, scope: dict):
        self.env, self.scope = env, scope
        self.available = self.reused = 0
        self.missed: list[str] = []

    def _check(self, node: cst.BaseExpression, keyword: str | None) -> bool:
        if isinstance(node, cst.Name) and node.value in self.scope:
            self.available += 1
            self.reused += 1
            return True
        try:
            value = staticeval.evaluate(node, self.env)
        except (staticeval.Unknown, RecursionError):
            return False
        for name, var in self.scope.items():
            if (_worth_naming(var) or keyword == name) and same(value, var):
                self.available += 1
                self.missed.append(name)
                return True
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        kw = node.keyword.value if node.keyword is not None else None
        return not self._check(node.value, kw)

    def visit_Element(self, node: cst.Element) -> bool:
        return not self._check(node.value, None)

    def visit_DictElement(self, node: cst.DictElement) -> bool:
        key = node.key.evaluated_value if isinstance(node.key, cst.SimpleString) else None
        return not self._check(node.value, key if isinstance(key, str) else None)


def variable_reuse(text: str) -> tuple[int, int, list[str]]:
    """(reused, available, names missed) in one output file."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return 0, 0, []
    bindings = staticeval.module_bindings(module)
    reused = available = 0
    missed: list[str] = []
    for index, stmt in enumerate(module.body):
        simple = staticeval.simple_assignment(stmt)
        if simple is None:
            continue
        env = bindings.env(index)
        scope = {}
        for name in bindings.history:
            try:
                scope[name] = env[name]
            except staticeval.Unknown:
                pass
        if not scope:
            continue
        visitor = _Reuse(env, scope)
        simple[1].visit(visitor)
        reused += visitor.reused
        available += visitor.available
        missed += visitor.missed
    return reused, available, missed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", nargs="?", default=str(ROOT / "fixtures" / "zoo"),
                        help="a folder with input/ (default: the fixture zoo)")
    parser.add_argument("--top", type=int, default=10, help="how many of the largest growths to list")
    args = parser.parse_args(argv)
    tree = Path(args.tree)
    src = tree / "input" if (tree / "input").is_dir() else tree
    results = convert_files(discover(src), src)

    rows = []
    for r in results:
        if r.status == FAILED:
            print(f"{r.rel}: FAILED ({r.error})")
            continue
        n_in, n_out = code_lines(r.old_text), code_lines(r.new_text)
        reused, available, missed = variable_reuse(r.new_text)
        why = [c.message for c in r.changes if GROWTH_NOTE in c.message]
        rows.append((r.rel, r.is_base, n_in, n_out, reused, available, missed, why))

    width = max(len(r[0]) for r in rows) if rows else 10
    print(f"{'file':<{width}}  kind   in  out  ratio  vars reused/available")
    for rel, is_base, n_in, n_out, reused, available, _, _ in rows:
        ratio = n_out / n_in if n_in else float("inf")
        print(f"{rel:<{width}}  {'base' if is_base else 'leaf'}  {n_in:4d} {n_out:4d}  {ratio:5.2f}  "
              f"{reused:3d}/{available:<3d}")

    print(f"\nlargest growths (output - input non-comment lines):")
    for rel, _, n_in, n_out, _, _, missed, _ in sorted(rows, key=lambda r: r[2] - r[3])[: args.top]:
        extra = f"  (could reuse: {', '.join(sorted(set(missed)))})" if missed else ""
        print(f"  {n_out - n_in:+4d}  {rel}{extra}")

    total_in = sum(r[2] for r in rows)
    total_out = sum(r[3] for r in rows)
    reused = sum(r[4] for r in rows)
    available = sum(r[5] for r in rows)
    over = [(rel, n_out / n_in, why) for rel, is_base, n_in, n_out, _, _, _, why in rows
            if not is_base and n_in and n_out / n_in > LEAF_TARGET]
    unexplained = [(rel, ratio) for rel, ratio, why in over if not why]
    total_ratio = total_out / total_in if total_in else float("inf")

    print("\nfigure                                   value     target")
    print(f"total non-comment lines (in -> out)      {total_in} -> {total_out}")
    print(f"total output / input                     {total_ratio:5.2f}x    <= {TOTAL_TARGET}x  "
          f"{'met' if total_ratio <= TOTAL_TARGET else 'MISSED'}")
    print(f"leaves above {LEAF_TARGET}x without a reason          {len(unexplained):5d}     0      "
          f"{'met' if not unexplained else 'MISSED'}")
    for rel, ratio in unexplained:
        print(f"    {ratio:4.2f}x  {rel}")
    for rel, ratio, why in over:
        if why:
            print(f"    {ratio:4.2f}x  {rel} (explained: {why[0]})")
    print(f"variables reused / could be reused       {reused}/{available}"
          + (f" ({reused / available:.0%})" if available else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

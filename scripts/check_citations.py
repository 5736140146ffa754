#!/usr/bin/env python
"""Check that every citation of the project's reference docs resolves.

Code, tests, rule docs and ``mmgen-migrate explain`` cite sections of
``docs/semantics.md``, ``docs/mapping.md`` and ``docs/architecture.md``, e.g.
``docs/semantics.md §N`` or ``mapping.md §N row K``.  A citation resolves when
the cited file exists under ``docs/`` and every cited section is a numbered
heading of it (``## §N Title``, ``### §N.M Title``).  Also checked:

* lists and ranges after one file name: ``§A, §B``, ``§A/§B``, ``§A and
  §B``, ``§8.10-14`` (every section of the range must exist);
* ``§N item K`` also needs the heading ``§N.K`` (semantics.md §8 has one
  heading per item);
* ``architecture invariant N`` (a heading of architecture.md naming
  ``Invariant N``);
* inside the three docs themselves, a bare ``§N`` refers to the same file.

A bare ``§N`` elsewhere (no file name before it) is not checked; ``--bare``
lists them so that they can be given a file.

    python scripts/check_citations.py            # exit 1 on an unresolved citation
    python scripts/check_citations.py --verbose  # also list every resolved one
    python scripts/check_citations.py --bare     # also list bare § references outside docs/
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
CITED = ("semantics", "mapping", "architecture")
SCANNED = ("mmgen_migrate", "tests", "docs", "scripts", "README.md", "CONTRIBUTING.md")
SUFFIXES = {".py", ".md", ".txt", ".toml", ".cfg", ".ini", ".sh", ".rst", ".yaml", ".yml", ".json"}

SECTION = r"§\s?\d+(?:\.\d+)*[a-z]?(?:\s?[-–]\s?§?\d+(?:\.\d+)*[a-z]?)?"
QUALIFIER = r"(?:\s+(?:rows?|rules?|items?)\s+\d+(?:\s?[-–]\s?\d+)?)?"
REF = SECTION + QUALIFIER
SEP = r"(?:\s*,\s*|\s*/\s*|\s+and\s+)"
FILE = r"(?<![\w-])(?:(?:\.\./)*docs/)?(?P<file>semantics|mapping|architecture)(?P<md>\.md)?"
LINK = r"(?:\]\([^)\s]*\))?`*"
GAP = r"(?:[ \t]*\n[ \t]*(?:#[ \t]*)?|[ \t]+)"  # a space, or a line break (in a comment too)
CITATION = re.compile(FILE + LINK + r"(?:" + GAP + r"(?P<refs>" + REF + r"(?:" + SEP + REF + r")*))?")
INVARIANT = re.compile(r"(?<![\w-])(?:(?:\.\./)*docs/)?architecture(?:\.md)?`*\s+invariants?\s+(?P<n>\d+)", re.I)
ONE_REF = re.compile(r"§\s?(?P<lo>\d+(?:\.\d+)*[a-z]?)(?:\s?[-–]\s?§?(?P<hi>\d+(?:\.\d+)*[a-z]?))?")
BARE = re.compile(r"§\s?\d+(?:\.\d+)*[a-z]?")
ITEM = re.compile(r"§\s?(?P<sec>\d+(?:\.\d+)*)\s+items?\s+(?P<lo>\d+)(?:\s?[-–]\s?(?P<hi>\d+))?")
HEADING = re.compile(r"^#{1,6}\s+§(?P<num>\d+(?:\.\d+)*[a-z]?)\b", re.M)
INVARIANT_HEADING = re.compile(r"^#{1,6}\s.*\bInvariant (?P<n>\d+)\b", re.M)


@dataclass
class Citation:
    where: str  # file:line
    text: str
    file: str  # semantics | mapping | architecture
    sections: list[str]
    missing: list[str]
    invariant: str | None = None

    @property
    def ok(self) -> bool:
        return not self.missing


def headings(name: str) -> tuple[set[str], set[str]] | None:
    path = DOCS / f"{name}.md"
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return ({m["num"] for m in HEADING.finditer(text)}, {m["n"] for m in INVARIANT_HEADING.finditer(text)})


def expand(ref: str) -> list[str]:
    """``§8.10-14`` -> 8.10 ... 8.14; ``§2.3-2.6`` -> 2.3 ... 2.6; ``§3a`` -> 3a."""
    m = ONE_REF.match(ref)
    lo, hi = m["lo"], m["hi"]
    if hi is None:
        return [lo]
    head, _, last = lo.rpartition(".")
    hi_last = hi.rpartition(".")[2] if "." in hi else hi
    if "." in hi and hi.rpartition(".")[0] != head or not (last.isdigit() and hi_last.isdigit()):
        return [lo, hi]  # not a plain range of sibling sections: check both ends
    prefix = f"{head}." if head else ""
    return [f"{prefix}{k}" for k in range(int(last), int(hi_last) + 1)]


def scanned_files() -> list[Path]:
    out = []
    for name in SCANNED:
        p = ROOT / name
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in SUFFIXES
                          and "__pycache__" not in f.parts)
    return out


def line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def check(show_bare: bool = False) -> tuple[list[Citation], list[str]]:
    known = {name: headings(name) for name in CITED}
    citations: list[Citation] = []
    bare: list[str] = []
    for path in scanned_files():
        if path.resolve() == Path(__file__).resolve():
            continue  # this file's own examples
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        rel = path.relative_to(ROOT).as_posix()
        own = path.stem if path.parent == DOCS and path.stem in CITED else None
        covered: list[tuple[int, int]] = []

        def add(pos: int, shown: str, name: str, sections: list[str], invariant: str | None = None):
            info = known[name]
            if info is None:
                missing = ["file"]
            elif invariant is not None:
                missing = [] if invariant in info[1] else [f"Invariant {invariant}"]
            else:
                missing = [s for s in sections if s not in info[0]]
            citations.append(Citation(f"{rel}:{line_of(text, pos)}", shown, name, sections, missing, invariant))

        for m in INVARIANT.finditer(text):
            add(m.start(), m.group(0), "architecture", [], m["n"])
            covered.append(m.span())
        for m in CITATION.finditer(text):
            refs = m["refs"]
            if refs is None and m["md"] is None:
                continue  # the plain word "mapping", "semantics", "architecture"
            if any(a <= m.start() < b for a, b in covered):
                continue
            sections = [s for r in ONE_REF.finditer(refs or "") for s in expand(r.group(0))]
            # "§8 item 7" names the heading §8.7 where the items are headings
            for q in ITEM.finditer(refs or ""):
                sections += [f"{q['sec']}.{k}" for k in range(int(q["lo"]), int(q["hi"] or q["lo"]) + 1)]
            add(m.start(), " ".join(m.group(0).split()), m["file"], sections)
            covered.append(m.span())
        for m in BARE.finditer(text):
            if any(a <= m.start() < b for a, b in covered):
                continue
            line_start = text.rfind("\n", 0, m.start()) + 1
            if text.startswith("#", line_start) and own is not None:
                continue  # a heading of the doc itself, not a reference
            # a range's upper end ("§8.1–§8.9") belongs to the reference before it
            if own is not None:
                refs_here = ONE_REF.match(text, m.start())
                add(m.start(), refs_here.group(0), own, expand(refs_here.group(0)))
                covered.append(refs_here.span())
            elif show_bare:
                line = text.splitlines()[line_of(text, m.start()) - 1].strip()
                bare.append(f"{rel}:{line_of(text, m.start())}: {m.group(0)}  ({line[:100]})")
    return citations, bare


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verbose", "-v", action="store_true", help="list every resolved citation too")
    ap.add_argument("--bare", action="store_true", help="list bare § references outside the cited docs")
    args = ap.parse_args(argv)
    citations, bare = check(args.bare)
    bad = [c for c in citations if not c.ok]
    if args.verbose:
        for c in citations:
            if c.ok:
                shown = ", ".join(c.sections) or (f"Invariant {c.invariant}" if c.invariant else "(file)")
                print(f"ok       {c.where}: {c.text}  -> docs/{c.file}.md {shown}")
    for c in bad:
        what = "does not exist" if c.missing == ["file"] else f"has no heading {', '.join(c.missing)}"
        print(f"MISSING  {c.where}: {c.text}  -> docs/{c.file}.md {what}")
    if args.bare:
        for b in bare:
            print(f"bare     {b}")
    by_file = {name: sum(1 for c in citations if c.file == name) for name in CITED}
    sections = sum(len(c.sections) or 1 for c in citations)
    print(f"{len(citations)} citations ({', '.join(f'{n}: {k}' for n, k in by_file.items())}; "
          f"{sections} section references): {len(citations) - len(bad)} resolve, {len(bad)} do not"
          + (f"; {len(bare)} bare § references without a file" if args.bare else ""))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python
"""Generate ``mmgen_migrate/data/registry.json``: the names registered in the
MMagic 1.2.0 and MMEngine 0.10.7 registries, read from the published wheels.

Nothing is imported or executed: every ``.py`` file of each wheel is parsed
with :mod:`ast` and these registration forms are recorded, per registry
(``MODELS``, ``HOOKS``, ``OPTIMIZERS``, ...):

* ``@REG.register_module()`` on a class or function (the name is the
  class/function name);
* ``@REG.register_module('Name')`` / ``(name='Name')`` / ``(name=['A', 'B'])``
  (``force=`` is irrelevant to the name);
* a plain call ``REG.register_module(module=Cls)`` /
  ``REG.register_module('Name', module=obj)`` / ``(name='Name', module=...)``.

A registry imported under another name (``from mmengine.registry import
MODELS as MMENGINE_MODELS``) is recorded under its own name.  A registration
inside ``try``/``if`` (e.g. ``Lion`` only when ``lion_pytorch`` is installed)
is recorded with ``optional`` set.  Registrations whose name is only known at
run time (a ``for`` loop over ``dir(torch.optim)``, wrappers of diffusers /
transformers classes) cannot be read from source; the ``torch.optim``
optimizers MMEngine registers that way are listed statically below (torch 2.x),
the rest are listed under ``dynamic`` (where they happen, not what they
register).  Test helpers (``mmengine/testing``) are skipped.

Usage::

    python scripts/gen_registry.py                      # pip download the wheels
    python scripts/gen_registry.py --wheel-dir /tmp/wh  # use wheels already there
    python scripts/gen_registry.py --check              # exit 1 if the data file is stale
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "mmgen_migrate" / "data" / "registry.json"
PACKAGES = {"mmagic": "1.2.0", "mmengine": "0.10.7"}

# mmengine/optim/optimizer/builder.py `register_torch_optimizers` registers
# every `torch.optim.Optimizer` subclass found in `dir(torch.optim)` (the base
# class `Optimizer` included; torch's own `Adafactor`, torch >= 2.5, as
# `TorchAdafactor`).  The classes torch 2.0 - 2.13 ship:
TORCH_OPTIMIZERS = {
    "ASGD": "torch>=2.0",
    "Adadelta": "torch>=2.0",
    "Adagrad": "torch>=2.0",
    "Adam": "torch>=2.0",
    "AdamW": "torch>=2.0",
    "Adamax": "torch>=2.0",
    "LBFGS": "torch>=2.0",
    "NAdam": "torch>=2.0",
    "Optimizer": "torch>=2.0",
    "RAdam": "torch>=2.0",
    "RMSprop": "torch>=2.0",
    "Rprop": "torch>=2.0",
    "SGD": "torch>=2.0",
    "SparseAdam": "torch>=2.0",
    "TorchAdafactor": "torch>=2.5 (torch.optim.Adafactor)",
    "Muon": "torch>=2.9",
}

SKIP_PREFIXES = ("mmengine/testing/",)


def _str_list(node: ast.AST) -> list[str] | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts
    ):
        return [e.value for e in node.elts]
    return None


class _Collector(ast.NodeVisitor):
    def __init__(self, rel: str):
        self.rel = rel
        self.aliases: dict[str, str] = {}
        self.found: list[tuple[str, str, bool]] = []  # registry, name, optional
        self.dynamic: list[str] = []
        self._conditional = 0
        self._loop = 0

    # registries imported under another name
    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.asname and alias.name.isupper():
                self.aliases[alias.asname] = alias.name

    def _registry(self, func: ast.AST) -> str | None:
        if not (isinstance(func, ast.Attribute) and func.attr == "register_module"):
            return None
        obj = func.value
        name = obj.attr if isinstance(obj, ast.Attribute) else obj.id if isinstance(obj, ast.Name) else None
        if name is None or not name.isupper():
            return None  # e.g. `self._register_module`, a lowercase local registry in an example
        return self.aliases.get(name, name)

    def _names(self, call: ast.Call, default: str | None) -> list[str] | None:
        if call.args:
            return _str_list(call.args[0])
        for kw in call.keywords:
            if kw.arg == "name":
                return _str_list(kw.value)
        if default is not None:
            return [default]
        for kw in call.keywords:
            if kw.arg == "module":
                if isinstance(kw.value, ast.Name) and kw.value.id[:1].isupper() and not self._loop:
                    return [kw.value.id]
                if isinstance(kw.value, ast.Attribute) and not self._loop:
                    return [kw.value.attr]
        return None

    def _decorated(self, node) -> None:
        for dec in node.decorator_list:
            call = dec if isinstance(dec, ast.Call) else None
            func = call.func if call else dec
            reg = self._registry(func)
            if reg is None:
                continue
            names = self._names(call, node.name) if call else [node.name]
            if names is None:
                self.dynamic.append(f"{self.rel}:{node.lineno} ({reg})")
                continue
            for n in names:
                self.found.append((reg, n, bool(self._conditional)))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._decorated(node)
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._decorated(node)
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        reg = self._registry(node.func)
        if reg is not None and any(kw.arg == "module" for kw in node.keywords):
            names = self._names(node, None)
            if names is None:
                self.dynamic.append(f"{self.rel}:{node.lineno} ({reg})")
            else:
                for n in names:
                    self.found.append((reg, n, bool(self._conditional)))
        self.generic_visit(node)

    def _nested(self, node, attr: str) -> None:
        setattr(self, attr, getattr(self, attr) + 1)
        self.generic_visit(node)
        setattr(self, attr, getattr(self, attr) - 1)

    def visit_Try(self, node) -> None:
        self._nested(node, "_conditional")

    visit_TryStar = visit_Try

    def visit_If(self, node: ast.If) -> None:
        # `if __name__ == ...` never happens in these packages; any `if`
        # around a registration makes it depend on the environment.
        self._nested(node, "_conditional")

    def visit_For(self, node: ast.For) -> None:
        self._nested(node, "_loop")


def scan_wheel(wheel: Path, package: str, registries: dict, dynamic: list) -> None:
    with zipfile.ZipFile(wheel) as zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            rel = info.filename
            if not rel.endswith(".py") or not rel.startswith(package + "/") or rel.startswith(SKIP_PREFIXES):
                continue
            try:
                tree = ast.parse(zf.read(info).decode("utf-8"), filename=rel)
            except SyntaxError as exc:  # pragma: no cover - the wheels parse
                raise SystemExit(f"{wheel.name}:{rel}: cannot parse: {exc}")
            col = _Collector(rel)
            col.visit(tree)
            for reg, name, optional in col.found:
                entry = registries.setdefault(reg, {}).setdefault(name, [])
                where = rel + (" (optional)" if optional else "")
                if where not in entry:
                    entry.append(where)
            dynamic.extend(col.dynamic)


def find_wheels(wheel_dir: Path) -> dict[str, Path]:
    out = {}
    for pkg, version in PACKAGES.items():
        hits = sorted(wheel_dir.glob(f"{pkg}-{version}-*.whl"))
        if not hits:
            raise SystemExit(f"no {pkg}=={version} wheel in {wheel_dir}")
        out[pkg] = hits[0]
    return out


def download(dest: Path) -> None:
    specs = [f"{p}=={v}" for p, v in PACKAGES.items()]
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "-d", str(dest), *specs]
    print("+", " ".join(cmd), file=sys.stderr)
    subprocess.run(cmd, check=True)


def build(wheel_dir: Path) -> dict:
    wheels = find_wheels(wheel_dir)
    registries: dict[str, dict[str, list[str]]] = {}
    dynamic: list[str] = []
    for pkg, wheel in wheels.items():
        scan_wheel(wheel, pkg, registries, dynamic)
    optim = registries.setdefault("OPTIMIZERS", {})
    for name, since in TORCH_OPTIMIZERS.items():
        optim.setdefault(name, []).append(f"torch.optim ({since}, registered by mmengine at import)")
    return {
        "_generated": (
            "GENERATED by scripts/gen_registry.py from the mmagic and mmengine wheels; "
            "do not edit by hand (re-run the script)."
        ),
        "packages": dict(PACKAGES),
        "registries": {reg: {n: registries[reg][n] for n in sorted(registries[reg])} for reg in sorted(registries)},
        "dynamic": sorted(set(dynamic)),
    }


def render(data: dict) -> str:
    return json.dumps(data, indent=1, sort_keys=False, ensure_ascii=True) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel-dir", type=Path, help="folder with the wheels (default: pip download them)")
    ap.add_argument("-o", "--output", type=Path, default=OUTPUT)
    ap.add_argument("--check", action="store_true", help="do not write; exit 1 if the output would change")
    args = ap.parse_args(argv)
    if args.wheel_dir is None:
        with tempfile.TemporaryDirectory(prefix="gen-registry-") as tmp:
            download(Path(tmp))
            text = render(build(Path(tmp)))
    else:
        text = render(build(args.wheel_dir))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date; re-run scripts/gen_registry.py", file=sys.stderr)
            return 1
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    counts = ", ".join(f"{k} {len(v)}" for k, v in json.loads(text)["registries"].items())
    print(f"wrote {args.output}: {counts}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

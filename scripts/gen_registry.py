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

Each registered class also gets its constructor signature, read the same
way (``signatures``: per registry and name, the keyword arguments the class
takes, the required ones, and whether it takes any keyword at all).  The
``__init__`` is found along the class's method resolution order (C3, as Python
computes it, over the classes of both wheels); an ``__init__`` whose
``**kwargs`` goes on to ``super().__init__(...)`` (or ``Base.__init__(self,
...)``) takes what the next ``__init__`` takes too.  A class whose chain reaches
a class outside the wheels (torch, mmcv, diffusers...) other than
``torch.nn.Module``/``object``, or whose ``**kwargs`` goes anywhere else, is
recorded as taking any keyword (``open``): the check built on this data
(rule REG002) reports only keys a class certainly rejects.  ``required`` lists
the arguments without a default of the first ``__init__`` found (what a call
certainly needs; requirements of the ``__init__`` it forwards to are not
added), and ``init`` names that ``__init__``'s class.

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
        # (registry, name) -> the local name of the class/function registered
        self.targets: dict[tuple[str, str], str] = {}
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
                self.targets.setdefault((reg, n), node.name)

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
                module = next(kw.value for kw in node.keywords if kw.arg == "module")
                local = module.id if isinstance(module, ast.Name) else None
                for n in names:
                    self.found.append((reg, n, bool(self._conditional)))
                    if local is not None and not self._loop:
                        self.targets.setdefault((reg, n), local)
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


def scan_wheel(wheel: Path, package: str, registries: dict, dynamic: list, modules: dict | None = None,
               targets: dict | None = None) -> None:
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
            if modules is not None:
                modules[_module_name(rel)] = _Module(_module_name(rel), rel, tree)
            if targets is not None:
                for (reg, name), local in col.targets.items():
                    targets.setdefault(reg, {}).setdefault(name, []).append((_module_name(rel), local))
            for reg, name, optional in col.found:
                entry = registries.setdefault(reg, {}).setdefault(name, [])
                where = rel + (" (optional)" if optional else "")
                if where not in entry:
                    entry.append(where)
            dynamic.extend(col.dynamic)


# -- constructor signatures ----------------------------------------------------

# classes outside the wheels whose __init__ takes no keyword argument
# (torch.nn.Module.__init__ raises TypeError for an unexpected keyword)
CLOSED_EXTERNAL = {"object", "torch.nn.Module", "torch.nn.modules.module.Module"}


def _module_name(rel: str) -> str:
    name = rel[: -len(".py")].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


class _Module:
    """One parsed source file: its classes, functions and imported names."""

    def __init__(self, name: str, rel: str, tree: ast.Module):
        self.name, self.rel = name, rel
        self.is_package = rel.endswith("__init__.py")
        self.defs: dict[str, ast.AST] = {}
        self.imports: dict[str, str] = {}  # local name -> dotted "module.name" or module
        self.star: list[str] = []
        for node in tree.body:
            self._top(node)

    def _top(self, node) -> None:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            self.defs.setdefault(node.name, node)
        elif isinstance(node, ast.ImportFrom):
            base = self._absolute(node)
            for alias in node.names:
                if alias.name == "*":
                    self.star.append(base)
                else:
                    self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                self.imports[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else \
                    alias.name.split(".")[0]
        elif isinstance(node, (ast.Try, ast.If)):
            for sub in [*node.body, *getattr(node, "orelse", []),
                        *[n for h in getattr(node, "handlers", []) for n in h.body]]:
                self._top(sub)

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.name.split(".")
        keep = len(parts) - node.level + (1 if self.is_package else 0)
        base = ".".join(parts[:keep])
        return f"{base}.{node.module}" if node.module else base


def _dotted(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        head = _dotted(expr.value)
        return f"{head}.{expr.attr}" if head else None
    return None


class Signatures:
    """Constructor signatures of the classes in the parsed wheels."""

    def __init__(self, modules: dict[str, _Module]):
        self.modules = modules

    # -- name resolution -------------------------------------------------
    def resolve(self, module: str, name: str, depth: int = 0):
        """``(module, node)`` of what ``name`` means in ``module`` (through
        imports and re-exports), or the dotted name when it is outside the
        wheels."""
        if depth > 20:
            return None
        mod = self.modules.get(module)
        if mod is None:
            return f"{module}.{name}" if module else name
        head, _, rest = name.partition(".")
        if rest:  # `nn.Module`, `mmengine.model.BaseModule`
            target = mod.imports.get(head, head)
            if target in self.modules:
                return self.resolve(target, rest, depth + 1)
            return self.resolve_dotted(f"{target}.{rest}", depth + 1)
        if name in mod.defs:
            return module, mod.defs[name]
        if name in mod.imports:
            return self.resolve_dotted(mod.imports[name], depth + 1)
        for star in mod.star:
            found = self.resolve(star, name, depth + 1)
            if isinstance(found, tuple):
                return found
        return f"{module}.{name}"

    def resolve_dotted(self, dotted: str, depth: int = 0):
        if dotted in self.modules:
            return dotted  # a module, not a class
        module, _, name = dotted.rpartition(".")
        while module and module not in self.modules:
            module, _, head = module.rpartition(".")
            name = f"{head}.{name}"
        if not module:
            return dotted
        if "." in name:
            first, _, rest = name.partition(".")
            sub = f"{module}.{first}"
            if sub in self.modules:
                return self.resolve(sub, rest, depth + 1)
        return self.resolve(module, name, depth + 1)

    # -- MRO and __init__ ---------------------------------------------------
    def mro(self, module: str, cls: ast.ClassDef, depth: int = 0) -> list:
        """C3 linearisation; entries are ``(module, ClassDef)`` or the dotted
        name of a class outside the wheels."""
        bases = []
        for b in cls.bases:
            dotted = _dotted(b)
            if dotted is None:
                bases.append("<dynamic>")
                continue
            found = self.resolve(module, dotted)
            if isinstance(found, tuple) and isinstance(found[1], ast.ClassDef):
                bases.append(found)
            else:
                bases.append(found if isinstance(found, str) else dotted)
        if depth > 30:
            return [(module, cls), "<deep>"]
        seqs = [self.mro(*b, depth=depth + 1) if isinstance(b, tuple) else [b] for b in bases]
        seqs = [list(s) for s in seqs if s] + [list(bases)]
        out = [(module, cls)]
        key = lambda e: e if isinstance(e, str) else (e[0], e[1].name)  # noqa: E731
        while any(seqs):
            for seq in seqs:
                if not seq:
                    continue
                head = seq[0]
                if not any(key(head) in [key(e) for e in s[1:]] for s in seqs):
                    break
            else:  # inconsistent hierarchy: Python would refuse the class
                return out + ["<inconsistent>"]
            out.append(head)
            for s in seqs:
                if s and key(s[0]) == key(head):
                    del s[0]
        return out

    @staticmethod
    def _init(cls: ast.ClassDef):
        for node in cls.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == "__init__":
                return node
        return None

    @staticmethod
    def _params(func) -> tuple[list[str], list[str], str | None]:
        """(keyword-passable names, required ones, name of **kwargs)"""
        a = func.args
        positional = [*a.posonlyargs, *a.args]
        defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
        names, required = [], []
        for i, (arg, default) in enumerate(zip(positional, defaults)):
            if i == 0 and arg.arg in ("self", "cls") and not isinstance(func, ast.Lambda):
                continue
            if arg in a.posonlyargs:
                continue
            names.append(arg.arg)
            if default is None:
                required.append(arg.arg)
        for arg, default in zip(a.kwonlyargs, a.kw_defaults):
            names.append(arg.arg)
            if default is None:
                required.append(arg.arg)
        return names, required, a.kwarg.arg if a.kwarg else None

    @staticmethod
    def _forwards(func, kwarg: str) -> tuple[str, ast.Call | None]:
        """Where ``**kwarg`` goes: ('super', call), ('explicit', call) for
        ``Base.__init__(self, ..., **kwargs)``, or ('elsewhere', None)."""
        uses = [n for n in ast.walk(func) if isinstance(n, ast.Name) and n.id == kwarg]
        forwards = []
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            if not any(kw.arg is None and isinstance(kw.value, ast.Name) and kw.value.id == kwarg
                       for kw in node.keywords):
                continue
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "__init__":
                if isinstance(f.value, ast.Call) and isinstance(f.value.func, ast.Name) and f.value.func.id == "super":
                    forwards.append(("super", node))
                    continue
                if _dotted(f.value) is not None:
                    forwards.append(("explicit", node))
                    continue
            forwards.append(("elsewhere", node))
        if len(forwards) == 1 and forwards[0][0] != "elsewhere" and len(uses) == 1:
            return forwards[0]
        return "elsewhere", None

    def accepted(self, mro: list, start: int, depth: int = 0):
        """Keyword arguments the ``__init__`` found from ``mro[start]`` on
        takes: ``(names, required, open, where)``."""
        if depth > 30:
            return set(), set(), True, "<deep>"
        for i in range(start, len(mro)):
            entry = mro[i]
            if isinstance(entry, str):
                if entry in CLOSED_EXTERNAL or entry.endswith(".nn.Module") or entry == "nn.Module":
                    return set(), set(), False, entry
                return set(), set(), True, entry
            module, cls = entry
            init = self._init(cls)
            if init is None:
                continue
            names, required, kwarg = self._params(init)
            where = f"{self.modules[module].rel}:{cls.name}"
            if kwarg is None:
                return set(names), set(required), False, where
            how, call = self._forwards(init, kwarg)
            if how == "super":
                more, _, is_open, _ = self.accepted(mro, i + 1, depth + 1)
            elif how == "explicit":
                found = self.resolve(module, _dotted(call.func.value))
                if isinstance(found, tuple) and isinstance(found[1], ast.ClassDef):
                    more, _, is_open, _ = self.accepted(self.mro(*found), 0, depth + 1)
                else:
                    more, is_open = set(), True
            else:
                more, is_open = set(), True
            return set(names) | more, set(required), is_open, where
        return set(), set(), False, "object"

    def signature(self, module: str, node) -> dict | None:
        if isinstance(node, ast.ClassDef):
            names, required, is_open, where = self.accepted(self.mro(module, node), 0)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            params, req, kwarg = self._params(node)
            names, required, is_open = set(params), set(req), kwarg is not None
            where = f"{self.modules[module].rel}:{node.name}"
        else:
            return None
        return {"params": sorted(names), "required": sorted(required), "open": is_open, "init": where}

    def of_registered(self, targets: dict) -> dict:
        """Signatures of registered names (the first registration wins, as
        the mmagic registry is searched before its mmengine parent)."""
        out: dict[str, dict[str, dict]] = {}
        for reg, names in targets.items():
            for name, places in names.items():
                for module, local in places:
                    found = self.resolve(module, local)
                    if isinstance(found, tuple):
                        sig = self.signature(*found)
                        if sig is not None:
                            out.setdefault(reg, {})[name] = sig
                            break
        return out


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
    modules: dict[str, _Module] = {}
    targets: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for pkg, wheel in wheels.items():
        scan_wheel(wheel, pkg, registries, dynamic, modules, targets)
    signatures = Signatures(modules).of_registered(targets)
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
        "signatures": {reg: {n: signatures[reg][n] for n in sorted(signatures[reg])} for reg in sorted(signatures)},
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

"""Batch runs: ``-j N`` gives exactly what ``-j 1`` gives, ``--exclude``,
several SRC, progress and per-file status lines."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from mmgen_migrate.cli import BatchProgress, cli
from mmgen_migrate.convert import discover
from mmgen_migrate.load import read_source
from mmgen_migrate.parallel import batches, units

ROOT = Path(__file__).resolve().parents[1]
ZOO = ROOT / "fixtures" / "zoo" / "input"
OWN_ZOO = ROOT / "tests" / "reports" / "data" / "zoo"


def run(*args):
    return CliRunner().invoke(cli, ["convert", *map(str, args), "--isolated"])


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _without_progress(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("progress: "))


def test_batches_share_the_work_by_size(tmp_path):
    """One long config and many short ones: -j 2 gives the long one a
    process of its own instead of splitting the files half and half."""
    (tmp_path / "big.py").write_text("".join(f"key_{i} = dict(a={i}, b=[{i}, {i + 1}])\n" for i in range(400)))
    for i in range(9):
        (tmp_path / f"small_{i}.py").write_text(f"x = {i}\n")
    files = [Path(os.path.abspath(f)) for f in discover(tmp_path)]
    groups = batches(files, 2)
    assert len(groups) == 2 and sum(map(len, groups)) == len(files)
    big = [g for g in groups if tmp_path / "big.py" in g]
    assert big == [[tmp_path / "big.py"]]


def _configs(folder: Path, n: int, size: int) -> list[Path]:
    folder.mkdir(exist_ok=True)
    for i in range(n):
        (folder / f"c{i:03d}.py").write_text(f"x = {i}  # " + "y" * max(0, size - 200 - 20) + "\n")
    return [Path(os.path.abspath(f)) for f in discover(folder)]


def test_without_j_the_size_of_the_tree_sets_the_processes(tmp_path, monkeypatch):
    from mmgen_migrate import parallel

    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    per_job = parallel.BYTES_PER_JOB
    assert parallel.auto_jobs(_configs(tmp_path / "few", 3, 1000)) == 1  # a handful of files: no fork
    assert parallel.auto_jobs(_configs(tmp_path / "mid", 12, per_job // 10)) == 2
    assert parallel.auto_jobs(_configs(tmp_path / "many", 200, 2000)) == 4  # at most one per CPU
    monkeypatch.setattr(parallel, "available_cpus", lambda: 1)
    assert parallel.auto_jobs(_configs(tmp_path / "many", 200, 2000)) == 1


def test_without_j_no_process_starts_where_none_could_be_forked(tmp_path, monkeypatch):
    """Another thread running (an API caller's, say) or no fork at all: each
    process would import the converter again; the default stays one."""
    import threading

    from mmgen_migrate import parallel

    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    files = _configs(tmp_path / "many", 200, 2000)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert parallel.auto_jobs(files) == 1
    finally:
        stop.set()
        other.join()
    assert parallel.auto_jobs(files) == 4
    monkeypatch.setattr(parallel.multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    assert parallel.auto_jobs(files) == 1


def test_the_default_run_of_a_large_tree_uses_the_cpus_and_equals_j1(tmp_path, monkeypatch):
    """No -j (and none in the settings): a tree worth two processes gets
    them, with exactly the output of -j 1; an explicit -j 1 stays serial."""
    from mmgen_migrate import parallel

    src = tmp_path / "zoo"
    shutil.copytree(ZOO, src / "a")
    shutil.copytree(ZOO, src / "b")
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    used = []
    real = parallel.batches
    monkeypatch.setattr(parallel, "batches", lambda files, jobs: used.append(jobs) or real(files, jobs))
    r_auto = run(src, "-o", tmp_path / "auto")
    assert used == [2], used
    r_one = run(src, "-o", tmp_path / "one", "-j", 1)
    assert used == [2]  # -j 1: nothing split
    assert r_auto.exit_code == r_one.exit_code
    assert tree(tmp_path / "auto") == tree(tmp_path / "one")
    assert _without_progress(r_auto.stderr) == _without_progress(r_one.stderr)


@pytest.mark.parametrize("zoo", [ZOO, OWN_ZOO], ids=["fixtures-zoo", "report-zoo"])
def test_parallel_equals_serial(tmp_path, zoo):
    files = [Path(os.path.abspath(f)) for f in discover(zoo)]
    assert len(batches(files, 2)) > 1  # -j 2 really splits the work
    outs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        md, js = tmp_path / f"report{jobs}.md", tmp_path / f"report{jobs}.json"
        r = run(zoo, "-o", out, "-j", jobs, "--report", md, "--report", js)
        outs[jobs] = (
            r.exit_code,
            tree(out),
            md.read_text(),
            js.read_text().replace(f"out{jobs}/", "OUT/"),
            _without_progress(r.stderr).replace(f"report{jobs}.", "R."),
        )
    assert outs[1][1]  # something was converted
    assert outs[1][0] == outs[2][0]  # same exit code
    assert outs[1][1] == outs[2][1]  # byte-identical converted trees
    assert outs[1][2] == outs[2][2]  # same Markdown report
    assert outs[1][3] == outs[2][3]  # same JSON report (all changes, values, lines)
    assert outs[1][4] == outs[2][4]  # same terminal report


def test_units_are_closed_under_bases_and_cover_every_file():
    files = [Path(os.path.abspath(f)) for f in discover(ZOO)]
    us = units(files)
    assert set().union(*map(set, us)) == set(files)
    in_set = set(files)
    for unit in us:
        for f in unit:
            assert {b for b in read_source(f).bases if b in in_set} <= set(unit)
    # a base shared by several configs is converted with each of them
    shared = [f for f in files if sum(f in u for u in us) > 1]
    assert shared and all("_base_" in f.parts for f in shared)


def test_exclude_glob(tmp_path):
    out = tmp_path / "out"
    r = run(OWN_ZOO, "-o", out, "--exclude", "misc/*", "--exclude", "wgan_*.py", "--format", "json")
    data = json.loads(r.stdout)
    paths = {f["path"] for f in data["files"]}
    assert not any(p.startswith("misc/") for p in paths) and "wgan/wgan_gp.py" not in paths
    assert "stylegan/dcgan_odd.py" in paths
    assert not (out / "misc").exists() and (out / "stylegan" / "dcgan_odd.py").exists()
    assert r.exit_code in (0, 1)  # the failing misc/broken.py was excluded


def test_verbose_prints_a_status_line_per_file():
    r = run(OWN_ZOO, "--check", "-v")
    lines = [line for line in r.stderr.splitlines() if line.startswith("[")]
    n = len(discover(OWN_ZOO))
    assert len(lines) == n
    assert lines[-1].startswith(f"[{n}/{n}] ")
    by_file = {line.split("] ", 1)[1].split(":", 1)[0]: line for line in lines}
    assert "failed" in by_file["misc/broken.py"] and "missing.py" in by_file["misc/broken.py"]
    assert by_file["misc/plain.py"].endswith(": unchanged")
    assert "would convert (" in by_file["misc/cgan_odd.py"] and "to review" in by_file["misc/cgan_odd.py"]


def test_plain_progress_lines_when_not_a_terminal():
    r = run(OWN_ZOO, "--check")
    progress = [line for line in r.stderr.splitlines() if line.startswith("progress: ")]
    n = len(discover(OWN_ZOO))
    assert progress and progress[-1] == f"progress: {n}/{n} files"
    assert "progress" not in run(OWN_ZOO, "--check", "-q").stderr
    # a single file is no batch: no progress
    assert "progress" not in run(OWN_ZOO / "misc" / "cgan_odd.py", "--check").stderr


def test_progress_bar_on_a_terminal():
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=100)

    class Res:
        status, changes, error = "converted", [], None

        def __init__(self, rel):
            self.rel = rel

    with BatchProgress(console, total=3, verbose=False, check=False, enabled=True) as progress:
        for name in ("a.py", "b.py", "c.py"):
            progress.advance(Res(name))
            assert progress.bar is not None  # a rich bar, not plain lines
    text = buf.getvalue()
    assert "converting" in text and "3/3" in text and "progress: " not in text


def test_the_bar_on_a_terminal_leaves_j_the_fast_start():
    """The bar's redraw thread starts with the first file done: when -j
    makes its processes, the bar has started no thread, so they are forked
    from the converter (parallel._context; a fork server would load
    everything again, about half a second)."""
    import threading

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    before = threading.active_count()
    with BatchProgress(console, total=3, verbose=False, check=False, enabled=True) as progress:
        assert threading.active_count() == before
        progress.advance(type("Res", (), {"status": "converted", "changes": [], "error": None, "rel": "a.py"})())
        assert progress.bar is not None


def test_several_sources_keep_their_base_links(tmp_path):
    src = tmp_path / "cfg"
    shutil.copytree(OWN_ZOO, src)
    child = src / "stylegan" / "dcgan_odd.py"
    base = src / "_base_" / "models" / "dcgan.py"
    r = run(child, base, "--check", "--format", "json")
    data = json.loads(r.stdout)
    entries = {f["path"]: f for f in data["files"]}
    assert set(entries) == {"stylegan/dcgan_odd.py", "_base_/models/dcgan.py"}
    assert entries["stylegan/dcgan_odd.py"]["inlined_bases"] == []  # its base is converted with it
    assert entries["_base_/models/dcgan.py"]["is_base"] is True
    # alone, the same child must inline the base it cannot convert with it
    alone = json.loads(run(child, "--check", "--format", "json").stdout)
    assert alone["files"][0]["inlined_bases"] == ["../_base_/models/dcgan.py"]
    # written to a folder, in the layout of their common folder
    out = tmp_path / "out"
    r = run(child, base, "-o", out)
    assert (out / "stylegan" / "dcgan_odd.py").exists() and (out / "_base_" / "models" / "dcgan.py").exists()
    assert "_base_ = '../_base_/models/dcgan.py'" in (out / "stylegan" / "dcgan_odd.py").read_text()


def test_several_sources_need_a_destination(tmp_path):
    a, b = OWN_ZOO / "misc" / "plain.py", OWN_ZOO / "misc" / "cgan_odd.py"
    r = run(a, b)
    assert r.exit_code == 2 and "several SRC" in r.output
    f = tmp_path / "file.py"
    f.write_text("x = 1\n")
    r = run(a, b, "-o", f)
    assert r.exit_code == 2 and "must be a folder" in r.output
    r = run(a, "-", "--check")
    assert r.exit_code == 2 and "stdin" in r.output
    assert run(a, tmp_path / "nope.py", "--check").exit_code == 2


def test_several_sources_check_exit_codes():
    plain, odd = OWN_ZOO / "misc" / "plain.py", OWN_ZOO / "misc" / "cgan_odd.py"
    assert run(plain, OWN_ZOO / "_base_" / "default_runtime.py", "--check", "--select", "OPT,STP").exit_code == 0
    assert run(plain, odd, "--check", "--select", "OPT,STP").exit_code == 1
    assert run(plain, OWN_ZOO / "misc" / "broken.py", "--check").exit_code == 2


def test_map_ordered_keeps_input_order_on_several_processes():
    import math

    from mmgen_migrate.parallel import map_ordered

    seen = []
    items = [30, 1, 25, 2, 20, 3]
    out = map_ordered(math.factorial, items, jobs=2, on_result=lambda i, r: seen.append(i))
    assert out == [math.factorial(n) for n in items]
    assert seen == list(range(len(items)))  # reported in input order, whatever finished first
    with pytest.raises(ValueError):
        map_ordered(math.factorial, [3, -1], jobs=2)  # a worker's exception reaches the caller

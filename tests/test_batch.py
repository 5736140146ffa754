"""``mmgen_migrate.batch``: the command's input discovery, stdin handling,
destinations and exit codes as library functions (the CLI tests cover them
through the command; these call them directly)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from mmgen_migrate.batch import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, collect_inputs, exit_code
from mmgen_migrate.convert import UsageError


def _collect(srcs, **kw):
    args = dict(output=None, in_place=False, dry=False, exclude=[], force_exclude=False)
    args.update(kw)
    return collect_inputs([Path(s) for s in srcs], **args)


def test_one_file_into_a_folder_goes_to_folder_slash_name(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "out").mkdir()
    with _collect([tmp_path / "a.py"], output=tmp_path / "out") as inputs:
        assert inputs.files == [tmp_path / "a.py"] and inputs.single and not inputs.batch
        assert inputs.output == tmp_path / "out" / "a.py"


def test_a_folder_and_several_sources_are_batches(tmp_path):
    for name in ("c/a.py", "c/sub/b.py", "d/e.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x = 1\n")
    with _collect([tmp_path / "c"], dry=True) as inputs:
        assert inputs.batch and inputs.root == tmp_path / "c" and len(inputs.files) == 2
    with _collect([tmp_path / "c", tmp_path / "d" / "e.py"], dry=True) as inputs:
        assert inputs.batch and inputs.root == tmp_path and len(inputs.files) == 3
    with pytest.raises(UsageError, match="not a .py file name"):
        with _collect([tmp_path / "c", tmp_path / "d"], output=tmp_path / "two.py"):
            pass


def test_an_excluded_single_file_is_nothing_to_do(tmp_path):
    (tmp_path / "a.py").write_text("x = 1\n")
    with _collect([tmp_path / "a.py"], exclude=["a.py"], force_exclude=True) as inputs:
        assert inputs.files == [] and inputs.excluded == tmp_path / "a.py"


def test_stdin_lives_in_a_temporary_file_beside_its_name_until_the_run_ends(tmp_path):
    name = tmp_path / "cfg.py"
    with _collect(["-"], stdin_filename=name, stdin=io.BytesIO(b"x = 1\r\n")) as inputs:
        (tmp,) = inputs.files
        assert inputs.stdin and inputs.single and tmp.parent == tmp_path
        assert tmp.read_bytes() == b"x = 1\r\n"  # bytes as given
    assert not tmp.exists()
    with pytest.raises(UsageError):  # an error inside the run removes it too
        with _collect(["-"], stdin_filename=name, stdin=io.BytesIO(b"x = 1\n")) as inputs:
            tmp = inputs.files[0]
            raise UsageError("stop")
    assert not tmp.exists() and list(tmp_path.iterdir()) == []


def test_usage_errors(tmp_path):
    with pytest.raises(UsageError, match="give a config file"):
        with _collect([]):
            pass
    with pytest.raises(UsageError, match="no such file"):
        with _collect([tmp_path / "nope.py"]):
            pass
    with pytest.raises(UsageError, match="is a folder"):
        with _collect([tmp_path]):
            pass
    with pytest.raises(UsageError, match="--in-place needs a file"):
        with _collect(["-"], in_place=True):
            pass


def _res(status="converted", review=False):
    return SimpleNamespace(status=status, needs_review=review)


@pytest.mark.parametrize("results, verify, check, expected", [
    ([_res("unchanged")], {}, False, EXIT_OK),
    ([_res()], {}, False, EXIT_OK),
    ([_res()], {}, True, EXIT_FINDINGS),  # --check: would change
    ([_res("unchanged")], {}, True, EXIT_OK),
    ([_res(review=True)], {}, False, EXIT_FINDINGS),
    ([_res(), _res("failed")], {}, False, EXIT_ERROR),
    ([_res()], {"a": SimpleNamespace(exit_code=1)}, False, EXIT_FINDINGS),
    ([_res()], {"a": SimpleNamespace(exit_code=2)}, False, EXIT_ERROR),
    ([_res()], {"a": SimpleNamespace(exit_code=0)}, False, EXIT_OK),
])
def test_exit_codes(results, verify, check, expected):
    assert exit_code(results, verify, check=check) == expected


@pytest.mark.parametrize("text", [
    "_base_ = ['a.py', 'b.py']\nx = 1\n",
    "_base_ = 'a.py'\n",
    "x = 1; _base_ = ['a.py']\n_base_ = ['b.py']\n",
    "_base_: list = ['b.py']\n_base_ = ['a.py']\n",
    "_base_ = x = ['a.py']\n_base_ = ['b.py']\n",
    "name = 'a'\n_base_ = [name + '.py']\n",
    "_base_ = ['pkg::a.py']\n",
    "_base_ = 3\n",
    "x = 1\n",
    "\ufeff_base_ = ['a.py']\n",
    "_base_ = ['a.py'\n",
    "print(_base_)\n",
])
def test_planning_reads_the_bases_the_converter_reads(tmp_path, text):
    """-j cuts the set by `_base_` links read with Python's parser; they are
    the ones the converter itself reads (a missed base would convert a file
    against the wrong view of its base)."""
    from mmgen_migrate.load import ConfigError, base_paths, read_source

    f = tmp_path / "cfg.py"
    f.write_text(text, encoding="utf-8")
    try:
        expected = read_source(f).bases
    except ConfigError:
        expected = []
    assert base_paths(f) == expected

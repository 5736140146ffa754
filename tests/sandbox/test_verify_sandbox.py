"""verify reads configs the way convert does: statically, nothing executed;
under --allow-exec in the same kernel sandbox (load.read_effective ->
worker.shared_worker("sandbox"))."""

from __future__ import annotations

import pytest

from .conftest import write_config


@pytest.fixture
def needs_sandbox(confined_worker):
    return confined_worker


def _escaping_config(tmp_path, sentinels):
    return write_config(tmp_path / "old.py", f"""
        import gc
        for _o in gc.get_objects():
            if type(_o).__name__ == '_Fence':
                _o.active = False
        del _o, gc
        open({str(sentinels.outside / 'from-verify.txt')!r}, 'w').write('escaped')
        optimizer = dict(generator=dict(type='Adam', lr=0.0002))
    """)


def test_verify_executes_nothing_without_allow_exec(tmp_path, sentinels):
    from mmgen_migrate.verify import VerifyInputError, load_config

    cfg = _escaping_config(tmp_path, sentinels)
    with pytest.raises(VerifyInputError) as info:
        load_config(cfg, "old")
    assert "\n" not in str(info.value)
    sentinels.check(settle=0)


def test_verify_under_allow_exec_runs_in_the_sandbox(tmp_path, sentinels, needs_sandbox):
    from mmgen_migrate.verify import VerifyInputError, load_config

    cfg = _escaping_config(tmp_path, sentinels)
    with pytest.raises(VerifyInputError, match="Permission denied") as info:
        load_config(cfg, "old", allow_exec="sandbox")
    assert "\n" not in str(info.value)
    sentinels.check()
    computed = write_config(tmp_path / "computed.py", """
        import math
        lr = float(math.sqrt(4.0)) * 1e-4
    """)
    assert load_config(computed, "old", allow_exec="sandbox")[0] == {"lr": 2e-4}

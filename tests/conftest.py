from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


# Property tests draw the same examples on every run (CI included): a failure
# is reproducible and the suite cannot turn red by chance.  Set
# HYPOTHESIS_PROFILE=explore for fresh random examples while developing.
try:
    import os

    from hypothesis import settings

    settings.register_profile("deterministic", derandomize=True, database=None, print_blob=True)
    settings.register_profile("explore", derandomize=False)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
except ImportError:  # pragma: no cover - hypothesis is a test dependency
    pass

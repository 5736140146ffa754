"""mmgen-migrate: migrate MMGeneration 0.x configs to MMagic 1.x configs.

The Python API (see :mod:`mmgen_migrate.api`)::

    import mmgen_migrate as mm
    res = mm.convert_source(text)          # -> FileResult (status, new_text, changes)
    results = mm.convert_paths(["configs/"])
    cfg = mm.read_config("configs/x.py")   # effective config, read statically
    mm.verify_configs("old.py", "new.py")  # -> VerifyResult (needs torch)
"""

__version__ = "0.1.0"

_API = ("convert_source", "convert_paths", "read_config", "verify_configs", "write", "FileResult", "ConfigError",
        "UsageError")
__all__ = ["__version__", *_API]


def __getattr__(name):  # the API is imported on first use: `mmgen-migrate --help` stays fast
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'mmgen_migrate' has no attribute {name!r}")

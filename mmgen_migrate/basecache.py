"""Load each ``_base_`` file once per process.

MMEngine's ``Config._file2dict`` re-reads and re-executes a config's whole
``_base_`` chain for every config that uses it: in a zoo where 150 configs
share a handful of bases, that is most of the loading time.  Inside
:func:`cached_bases`, the *nested* ``_file2dict`` calls (those for base
files) are memoized on the file's identity and modification stamp, and every
caller gets its own deep copy, so the result is exactly what MMEngine would
compute; a base file that changes (a converted base staged again) has a new
stamp and is loaded afresh.  The config being loaded itself is never cached.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading

_cache: dict = {}
_state = threading.local()


def _stamp(path: str):
    st = os.stat(path)
    return (os.path.realpath(path), st.st_ino, st.st_size, st.st_mtime_ns)


@contextlib.contextmanager
def cached_bases():
    from mmengine.config import Config

    original = Config.__dict__["_file2dict"].__func__

    def file2dict(filename, use_predefined_variables=True, use_environment_variables=True, lazy_import=None):
        depth = getattr(_state, "depth", 0)
        key = None
        if depth > 0:
            try:
                key = (_stamp(filename), use_predefined_variables, use_environment_variables, lazy_import,
                       os.environ.get("MMGEN_MIGRATE_NO_BASE_CACHE"))
            except OSError:
                key = None
            if key is not None and key in _cache:
                return copy.deepcopy(_cache[key])
        _state.depth = depth + 1
        try:
            result = original(filename, use_predefined_variables, use_environment_variables, lazy_import)
        finally:
            _state.depth = depth
        if key is not None and not os.environ.get("MMGEN_MIGRATE_NO_BASE_CACHE"):
            if len(_cache) > 4096:
                _cache.clear()
            _cache[key] = copy.deepcopy(result)
        return result

    Config._file2dict = staticmethod(file2dict)
    try:
        yield
    finally:
        Config._file2dict = staticmethod(original)

"""ember.backend.allocator: glibc mallopt at import, and its EMBER_MALLOPT=0 opt-out."""

import os
import subprocess
import sys

import ember  # noqa: F401  (the import applies the settings)
from ember.backend import allocator


def _glibc() -> bool:
    import ctypes

    try:
        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL("libc.so.6"), "gnu_get_libc_version")
    except OSError:
        return False


def _applied_in_subprocess(env_value):
    env = dict(os.environ)
    env.pop("EMBER_MALLOPT", None)
    if env_value is not None:
        env["EMBER_MALLOPT"] = env_value
    code = "import ember.backend.allocator as a; print(a.applied())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_applied_at_import_on_glibc():
    # this suite runs on Linux/glibc (the project's CI); elsewhere apply() must report False
    assert allocator.applied() is _glibc()
    assert _applied_in_subprocess(None) == str(_glibc())


def test_opt_out_env():
    assert _applied_in_subprocess("0") == "False"


def test_apply_returns_false_when_opted_out(monkeypatch):
    monkeypatch.setenv("EMBER_MALLOPT", "0")
    assert allocator.apply() is False

"""Every docstring example runs (DEVELOPERS.md: docstring examples are run)."""

from __future__ import annotations

import doctest
import importlib
import os
import pkgutil
import subprocess
import sys

import pytest

PACKAGES = ("corpus", "embeddings", "assistant", "ui", "evals")
# Builds an index through the default settings: run in a process of its own, on a fresh data dir.
OWN_PROCESS = {"assistant.chain"}


def _modules() -> list[str]:
    names = ["cli"]  # the composition root, a module of its own
    for package in PACKAGES:
        path = importlib.import_module(package).__path__
        names += [f"{package}.{m.name}" for m in pkgutil.iter_modules(path) if m.name != "__main__"]
    return names


@pytest.mark.parametrize("name", sorted(set(_modules()) - OWN_PROCESS))
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


@pytest.mark.parametrize("name", sorted(OWN_PROCESS))
def test_docstring_examples_that_build_an_index(name, tmp_path):
    code = (f"import doctest, {name} as m, sys; r = doctest.testmod(m, optionflags=doctest.ELLIPSIS); "
            "print(r); sys.exit(1 if r.failed or not r.attempted else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path)})
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]

"""Where the original Keras guide texts come from (they are not committed to ember).

The guides are Apache-2.0 example code from keras-team (keras-io / keras repos). ember
commits only its edits to them (``tests/keras_guides/guides/<name>.py``). The original text
of ``SOURCE = (repo, commit, path)`` is looked up, in order, in:

1. ``$EMBER_KERAS_GUIDES_SRC/<owner>+<name>/<commit>/<path>`` if that variable is set,
2. the cache ``~/.cache/ember/keras_guides/<owner>+<name>/<commit>/<path>``
   (``$EMBER_HOME/keras_guides`` if ``EMBER_HOME`` is set),
3. a local git clone or mirror of the repo at ``/work/.mirror/<owner>+<name>/repo``
   (``git show <commit>:<path>``); the text found there is copied into the cache.

``python -m tests.keras_guides.sources`` checks that every guide's text can be found.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


def cache_root():
    """The folder holding cached guide texts."""
    if os.environ.get("EMBER_HOME"):
        return Path(os.environ["EMBER_HOME"]).expanduser() / "keras_guides"
    return Path.home() / ".cache" / "ember" / "keras_guides"


def _candidates(repo, commit, path):
    key = repo.replace("/", "+")
    if os.environ.get("EMBER_KERAS_GUIDES_SRC"):
        yield Path(os.environ["EMBER_KERAS_GUIDES_SRC"]) / key / commit / path
    yield cache_root() / key / commit / path


def read_source(source):
    """The original text of ``source = (repo, commit, path)``; FileNotFoundError naming where it looked."""
    repo, commit, path = source
    tried = []
    for candidate in _candidates(repo, commit, path):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
        tried.append(str(candidate))
    mirror = Path("/work/.mirror") / repo.replace("/", "+") / "repo"
    tried.append(f"git -C {mirror} show {commit}:{path}")
    if mirror.exists():
        proc = subprocess.run(["git", "-C", str(mirror), "show", f"{commit}:{path}"], capture_output=True, text=True)
        if proc.returncode == 0:
            target = cache_root() / repo.replace("/", "+") / commit / path
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_text(proc.stdout, encoding="utf-8")
            os.replace(tmp, target)
            return proc.stdout
    raise FileNotFoundError(
        f"Keras guide source {repo}@{commit}:{path} not found. Looked in: {tried}. "
        "Put a copy of that file (Apache-2.0, keras-team) at the first path (see docs/keras_guides.md)."
    )


if __name__ == "__main__":
    from tests.keras_guides.harness import GUIDES, spec

    for name in GUIDES:
        text = read_source(spec(name).SOURCE)
        print(f"{name}: {len(text)} chars")

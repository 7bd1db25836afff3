"""Hostile or damaged Keras files (``.keras`` from Keras, ``.weights.h5``, legacy ``.h5``): each is a clear
ValueError naming the file, nothing from the file runs, nothing is written outside, the model is unchanged."""

import io
import json
import os
import pathlib
import zipfile

import numpy as np
import pytest

import ember
import ember.interop.keras_h5  # noqa: F401 - imported before the audit window (an import runs module code)
from ember.interop import UnsafeFileError
from tests.saving.test_model_file import _AUDIT, _IMPORT_ALLOWED, is_h5_guard

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras"


def _model():
    model = ember.models.load_model(FIXTURES / "keras3_recurrent.keras")
    return model, model.get_weights()


def _unchanged(model, before):
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


def _members(path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _h5(build) -> bytes:
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        build(f)
    return buffer.getvalue()


def test_truncated_keras_and_h5_files_are_reported_and_leave_the_model_unchanged(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBER_H5_ISOLATE", "0")  # 120 loads: in-process (the reader process: test_h5_guard.py)
    model, before = _model()
    for source in ("keras3_recurrent.keras", "keras3_recurrent.weights.h5", "legacy_conv_weights.h5"):
        raw = (FIXTURES / source).read_bytes()
        cut = tmp_path / f"cut_{source}"
        for offset in sorted(set(np.linspace(1, len(raw) - 1, 40).astype(int))):
            cut.write_bytes(raw[:offset])
            with pytest.raises(ValueError, match=str(cut)):
                model.load_weights(str(cut))
            _unchanged(model, before)
            if source.endswith(".keras"):
                with pytest.raises(ValueError, match=str(cut)):
                    ember.models.load_model(cut)


def test_hdf5_dataset_claiming_more_than_the_file_is_refused(tmp_path):
    def build(f):  # a chunked dataset whose chunks were never written: 40 GB declared, a few KB stored
        group = f.require_group("layers/lstm/cell/vars")
        group.create_dataset("0", shape=(100_000, 100_000), dtype="float32", chunks=(1, 1024))

    path = tmp_path / "huge.weights.h5"
    path.write_bytes(_h5(build))
    model, before = _model()
    with pytest.raises(ValueError, match=r"huge.weights.h5 is truncated or corrupted: dataset .* claims shape"):
        model.load_weights(str(path))
    _unchanged(model, before)
    legacy = tmp_path / "huge_legacy.h5"
    legacy.write_bytes(_h5(lambda f: _legacy_huge(f)))
    with pytest.raises(ValueError, match=r"huge_legacy.h5 is truncated or corrupted: dataset .* claims shape"):
        model.load_weights(str(legacy))
    _unchanged(model, before)


def _legacy_huge(f):
    f.attrs["layer_names"] = np.array([b"dense"])
    group = f.create_group("dense")
    group.attrs["weight_names"] = np.array([b"dense/kernel:0"])
    group.create_dataset("dense/kernel:0", shape=(50_000, 50_000), dtype="float64", chunks=(1, 512))


def test_non_numeric_dataset_and_wrong_architecture_are_refused(tmp_path):
    path = tmp_path / "strings.weights.h5"
    path.write_bytes(_h5(lambda f: f.require_group("vars").create_dataset("0", data=np.array([b"x"]))))
    model, before = _model()
    with pytest.raises(ValueError, match="expected a numeric array"):
        model.load_weights(str(path))
    other = ember.models.load_model(FIXTURES / "keras3_conv.keras")
    with pytest.raises(ValueError, match=r"holds weights for layers|expects"):
        model.load_weights(str(FIXTURES / "legacy_conv_weights.h5"))
    with pytest.raises(ValueError, match=r"layer 'conv2d' \(h5 path 'layers/conv2d'\) expects 2 weights"):
        other.load_weights(str(FIXTURES / "keras3_recurrent.weights.h5"))
    _unchanged(model, before)


def test_wrong_file_types_say_what_the_file_is(tmp_path):
    h5_as_keras = tmp_path / "weights.keras"
    h5_as_keras.write_bytes((FIXTURES / "keras3_recurrent.weights.h5").read_bytes())
    with pytest.raises(ValueError, match="is an HDF5 file without 'model_config' \\(a weights-only file\\?\\)"):
        ember.models.load_model(h5_as_keras)
    no_config = tmp_path / "no_config.keras"
    no_config.write_bytes(_zip({"model.weights.h5": b"", "notes.txt": b"hi"}))
    with pytest.raises(ValueError, match="is a zip archive without config.json"):
        ember.models.load_model(no_config)
    npz = _members(FIXTURES / "keras3_conv.keras")
    npz["model.weights.npz"] = npz.pop("model.weights.h5")
    (tmp_path / "npz.keras").write_bytes(_zip(npz))
    with pytest.raises(ValueError, match=r"weights_format='npz' and sharded weights are not supported"):
        ember.models.load_model(tmp_path / "npz.keras")
    assets = {**_members(FIXTURES / "keras3_conv.keras"), "assets/vocab.txt": b"a\nb\n"}
    (tmp_path / "assets.keras").write_bytes(_zip(assets))
    with pytest.raises(ValueError, match="holds assets .* ember does not read Keras assets"):
        ember.models.load_model(tmp_path / "assets.keras")
    (tmp_path / "text.keras").write_text("hello")
    with pytest.raises(ValueError, match=r"not a valid .keras file .* expected a zip archive"):
        ember.models.load_model(tmp_path / "text.keras")


def _hostile_cases(tmp_path) -> dict:
    members = _members(FIXTURES / "keras3_sequential.keras")  # written by Keras: no ember checksums to forge
    config = json.loads(members["config.json"])
    config["config"]["layers"][1] = {"module": "os", "class_name": "system", "registered_name": "system",
                                     "config": {"command": "touch canary_pwned"}}  # fmt: skip
    cases = {"os_system.keras": (_zip({**members, "config.json": json.dumps(config)}), UnsafeFileError)}
    config["config"]["layers"][1] = {"module": "builtins", "class_name": "eval", "config": {}}
    cases["eval.keras"] = (_zip({**members, "config.json": json.dumps(config)}), UnsafeFileError)
    cases["slip.keras"] = (_zip({**members, "../../slip.txt": b"x"}), UnsafeFileError)
    cases["abs.keras"] = (_zip({**members, "/tmp/ember_slip.txt": b"x"}), UnsafeFileError)

    def legacy(f):
        f.attrs["model_config"] = json.dumps({"class_name": "Sequential", "config": {"layers": [
            {"module": "subprocess", "class_name": "Popen", "config": {"args": "touch canary_pwned"}}]}})  # fmt: skip
        f.create_group("model_weights").attrs["layer_names"] = np.array([b"x"])

    cases["legacy_popen.h5"] = (_h5(legacy), UnsafeFileError)
    return cases


def test_hostile_files_run_nothing_and_write_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cases = _hostile_cases(tmp_path)
    for name, (payload, _) in cases.items():
        (tmp_path / name).write_bytes(payload)
    _AUDIT["events"] = []
    try:
        for name, (_, error) in cases.items():
            with pytest.raises(error, match=str(tmp_path / name) if name.startswith(("slip", "abs")) else "Refusing"):
                ember.models.load_model(tmp_path / name)
            model, before = _model()
            with pytest.raises(ValueError):
                model.load_weights(str(tmp_path / name))
            _unchanged(model, before)
    finally:
        events, _AUDIT["events"] = _AUDIT["events"], None
    assert not (tmp_path / "canary_pwned").exists()
    assert not (tmp_path.parent.parent / "slip.txt").exists() and not os.path.exists("/tmp/ember_slip.txt")
    launch = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "exec")
    risky = [e for e in events if (e[0] in launch and not is_h5_guard(e))
             or (e[0] == "import" and not str(e[1][0]).startswith(_IMPORT_ALLOWED))]  # fmt: skip
    assert risky == []
    assert any(e[0] == "open" for e in events)


def test_hdf5_links_and_external_storage_are_not_followed(tmp_path):
    import h5py

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(4 * 20, dtype="float32").tobytes())
    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f.create_dataset("kernel", data=np.full((3, 20), 7.0, "float32"))
    model, before = _model()
    path, first = variable_groups_first(model)
    files = {
        "external_storage.weights.h5": lambda g: g.create_dataset("0", shape=(4, 20), dtype="float32",
                                                                  external=[(str(secret), 0, h5py.h5f.UNLIMITED)]),
        "external_link.weights.h5": lambda g: g.__setitem__("0", h5py.ExternalLink(str(other), "/kernel")),
        "soft_link.weights.h5": lambda g: g.__setitem__("0", h5py.SoftLink("/elsewhere")),
    }  # fmt: skip
    for name, make in files.items():
        target = tmp_path / name
        with h5py.File(target, "w") as f:
            f.create_dataset("elsewhere", data=np.zeros(first, "float32"))
            make(f.require_group(f"{path}/vars"))
        with pytest.raises(UnsafeFileError, match=r"refusing .*(outside the file|links to other objects)"):
            model.load_weights(str(target))
        _unchanged(model, before)


def variable_groups_first(model):
    from ember.saving.keras_weights import variable_groups

    path, _, variables = next(g for g in variable_groups(model) if g[2])
    return path, tuple(variables[0].shape)

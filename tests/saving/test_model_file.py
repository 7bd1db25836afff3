"""``.keras`` files and weight files: fidelity, resumed training, and rejection of bad files."""

import io
import json
import os
import pathlib
import pickle  # noqa: S403 - only to build a malicious payload that must be rejected
import sys
import zipfile

import numpy as np
import pytest

import ember
import ember.interop  # noqa: F401 - imported before the audit window (an import runs module code)
from ember import layers


def _data(n=32):
    rng = np.random.default_rng(0)
    x = rng.random((n, 3)).astype("float32")
    return x, (x.sum(axis=1) > 1.5).astype("int64")


def _trained(seed=0):
    ember.utils.set_random_seed(seed)
    model = ember.Sequential([layers.Dense(8, activation="relu", input_dim=3), layers.Dropout(0.2),
                              layers.Dense(2, activation="softmax")])  # fmt: skip
    model.compile(ember.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = _data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for p, q in zip(wa, wb, strict=True):
        np.testing.assert_array_equal(p, q)


def test_round_trip_predicts_bit_identically_and_resumes_training(tmp_path):
    path = str(tmp_path / "model.keras")
    model = _trained()
    model.save(path)
    loaded = ember.models.load_model(path)
    x, y = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.optimizer.iterations == model.optimizer.iterations == 8
    assert loaded.metrics_names == ["loss"] and loaded.loss == "sparse_categorical_crossentropy"
    # Same optimizer state and same random stream: one more epoch stays bit-identical.
    ember.utils.set_random_seed(7)
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    ember.utils.set_random_seed(7)
    loaded.fit(x, y, epochs=1, batch_size=8, verbose=0)
    _same_weights(model, loaded)


def test_archive_layout_and_metadata(tmp_path):
    path = str(tmp_path / "model.keras")
    model = _trained()
    model.save(path)
    fresh = _trained(seed=5)
    fresh.load_weights(path)  # the weights of a whole-model archive
    _same_weights(fresh, model)
    with zipfile.ZipFile(path) as zf:
        assert sorted(zf.namelist()) == ["config.json", "ember.json", "metadata.json", "model.weights.h5"]
        meta = json.loads(zf.read("metadata.json"))
        extras = json.loads(zf.read("ember.json"))
        config = json.loads(zf.read("config.json"))
    assert meta["keras_version"].startswith("3.") and meta["ember_version"] == ember.__version__
    assert extras["format"] == "ember.keras.v2" and extras["ember_version"] == ember.__version__
    assert set(extras["sha256"]) == {"config.json", "metadata.json", "model.weights.h5"}
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["config"]["layers"][0]["class_name"] == "InputLayer"
    assert config["compile_config"]["optimizer"]["module"] == "keras.optimizers"
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_functional_multi_output_and_subclassed_round_trip(tmp_path):
    x_in = ember.Input(shape=(3,))
    h = layers.Dense(4, activation="relu")(x_in)
    model = ember.Model(x_in, [layers.Dense(1, name="reg")(h), layers.Dense(2, activation="softmax", name="cls")(h)])
    model.compile("adam", loss={"reg": "mse", "cls": "sparse_categorical_crossentropy"}, loss_weights=[0.3, 1.0])
    x, y = _data()
    model.fit(x, [x[:, :1], y], epochs=1, verbose=0)
    model.save(str(tmp_path / "f.keras"))
    loaded = ember.models.load_model(str(tmp_path / "f.keras"))
    for p, q in zip(model.predict(x, verbose=0), loaded.predict(x, verbose=0), strict=True):
        np.testing.assert_array_equal(p, q)
    assert loaded.evaluate(x, [x[:, :1], y], verbose=0) == model.evaluate(x, [x[:, :1], y], verbose=0)

    @ember.saving.register_keras_serializable(package="tests")
    class Scaled(ember.Model):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor, self.dense = factor, layers.Dense(2)

        def call(self, x):
            return self.dense(x) * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    sub = Scaled(3.0)
    sub.compile("sgd", "mse")
    sub.fit(x, np.zeros((32, 2)), epochs=1, verbose=0)
    sub.save(str(tmp_path / "s.keras"))
    again = ember.models.load_model(str(tmp_path / "s.keras"))
    assert type(again) is Scaled and again.factor == 3.0
    np.testing.assert_array_equal(again.predict(x, verbose=0), sub.predict(x, verbose=0))


def test_to_json_and_model_from_json():
    model = _trained()
    rebuilt = ember.models.model_from_json(model.to_json())
    assert [type(layer).__name__ for layer in rebuilt.layers] == ["Dense", "Dropout", "Dense"]
    assert rebuilt.count_params() == model.count_params()
    with pytest.raises(ValueError, match="Unknown layer class 'Evil'"):
        ember.models.model_from_json(json.dumps({"class_name": "Evil", "config": {}}))
    with pytest.raises(ValueError, match="not valid JSON"):
        ember.models.model_from_json("{nope")


def test_weight_file_checksum_and_shape_errors(tmp_path):
    model = _trained()
    path = str(tmp_path / "w.weights.safetensors")
    model.save_weights(path)
    raw = bytearray(pathlib.Path(path).read_bytes())
    raw[-3] ^= 0x10
    bad = str(tmp_path / "bad.weights.safetensors")
    pathlib.Path(bad).write_bytes(bytes(raw))
    before = model.get_weights()
    with pytest.raises(ValueError, match="checksum mismatch"):
        model.load_weights(bad)
    _same_weights_arrays(model.get_weights(), before)
    other = ember.Sequential([layers.Dense(5, input_dim=3)])
    with pytest.raises(ValueError, match=r"expects 2 with shapes \[\(3, 5\), \(5,\)\]"):
        other.load_weights(path)
    with pytest.raises(ValueError, match=r"expected 4 arrays with shapes .*Received: 1 arrays"):
        model.set_weights([np.zeros((3, 8))])


def _same_weights_arrays(a, b):
    for p, q in zip(a, b, strict=True):
        np.testing.assert_array_equal(p, q)


def _expect_rejected(path, match=None):
    with pytest.raises(ValueError, match=match):
        ember.models.load_model(path)


def test_truncation_at_many_offsets_is_detected(tmp_path):
    path = str(tmp_path / "m.keras")
    _trained().save(path)
    raw = pathlib.Path(path).read_bytes()
    cut = str(tmp_path / "cut.keras")
    offsets = sorted(set(np.linspace(0, len(raw) - 1, 150).astype(int)) | set(range(0, 64)) | {len(raw) - 1})
    for offset in offsets:
        with open(cut, "wb") as f:
            f.write(raw[:offset])
        _expect_rejected(cut)


def test_bit_flips_in_weights_and_config_are_detected(tmp_path):
    path = str(tmp_path / "m.keras")
    _trained().save(path)
    raw = pathlib.Path(path).read_bytes()
    with zipfile.ZipFile(path) as zf:
        spans = [(info.header_offset + 30 + len(info.filename) + len(info.extra), info.file_size)
                 for info in zf.infolist() if info.filename != "metadata.json"]  # fmt: skip
    rng = np.random.default_rng(0)
    flipped = str(tmp_path / "flip.keras")
    for start, size in spans:
        for pos in rng.integers(start, start + size, 150):
            data = bytearray(raw)
            data[pos] ^= 1 << int(rng.integers(8))
            with open(flipped, "wb") as f:
                f.write(bytes(data))
            _expect_rejected(flipped)


def _zip(members: dict, compression=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


class _Canary:
    def __reduce__(self):
        return (os.system, ("touch canary_pwned",))


def test_malicious_files_are_rejected_without_running_anything(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    good = str(tmp_path / "good.keras")
    _trained().save(good)
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    bomb = _zip({**members, "model.weights.h5": members["model.weights.h5"] + bytes(64 * 1024 * 1024)},
                zipfile.ZIP_DEFLATED)  # fmt: skip
    cases = {
        "pickle.keras": (pickle.dumps(_Canary()), "not a valid .keras file"),
        "extra_pickle.keras": (_zip({**members, "model.pkl": pickle.dumps(_Canary())}), "unexpected members"),
        "traversal.keras": (_zip({**members, "../escape.txt": b"x"}), r"'\.\.' are not allowed"),
        "absolute.keras": (_zip({**members, "/tmp/escape.txt": b"x"}), "absolute paths"),
        "bomb.keras": (bomb, "decompression bomb"),
        "not_zip.keras": (b"hello world" * 10, "not a valid .keras file"),
    }
    config = json.loads(members["config.json"])
    config["config"]["layers"][1] = {"class_name": "os.system", "config": {"command": "touch canary_pwned"}}
    cases["class_by_name.keras"] = (_forge(members, config), "Unsupported class 'os.system'")
    config["config"]["layers"][1] = {"module": "os", "class_name": "system",
                                     "config": {"command": "touch canary_pwned"}}  # fmt: skip
    cases["module_class.keras"] = (_forge(members, config), "Refusing class 'system' from module 'os'")
    lam = json.loads(members["config.json"])
    lam["config"]["layers"][2] = {"module": "keras.layers", "class_name": "Lambda", "config": {
        "name": "evil", "function": {"module": "os", "name": "system"}}}  # fmt: skip
    cases["lambda.keras"] = (_forge(members, lam), "Refusing to load Lambda layer 'evil'")
    for name, (payload, _) in cases.items():
        (tmp_path / name).write_bytes(payload)
    _AUDIT["events"] = []
    try:
        for name, (_, match) in cases.items():
            _expect_rejected(str(tmp_path / name), match)
    finally:
        events, _AUDIT["events"] = _AUDIT["events"], None
    assert not (tmp_path / "canary_pwned").exists() and not (tmp_path.parent / "escape.txt").exists()
    assert not os.path.exists("/tmp/escape.txt")
    launch = ("os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "exec")
    risky = [e for e in events if (e[0] in launch and not is_h5_guard(e))
             or (e[0] == "import" and not str(e[1][0]).startswith(_IMPORT_ALLOWED))]  # fmt: skip
    assert risky == []
    assert any(e[0] == "open" for e in events)  # the hook did watch the loads


# One process-wide audit hook (hooks cannot be removed); it records only while a test switches it on.
_AUDIT = {"events": None}
_IMPORT_ALLOWED = (
    "ember",
    "safetensors",
    "numpy",
    "json",
    "zipfile",
    "hashlib",
    "io",
    "struct",
    "binascii",
    "zlib",
    "h5py",
)


def is_h5_guard(event) -> bool:
    """The one process ember starts while loading: ``python -m ember.saving.h5_guard``, which parses a foreign
    HDF5 file under its own audit hook (no process, compile or unlisted import; tests/saving/test_h5_guard.py)."""
    return event[0] == "subprocess.Popen" and list(event[1][1][:3]) == [sys.executable, "-m", "ember.saving.h5_guard"]


def _audit(event, args):
    if _AUDIT["events"] is not None:
        _AUDIT["events"].append((event, args))


sys.addaudithook(_audit)


def _forge(members: dict, config: dict) -> bytes:
    """An archive with a modified config.json and a matching checksum (an attacker can recompute it)."""
    import hashlib

    config_bytes = json.dumps(config).encode()
    extras = json.loads(members["ember.json"])
    extras["sha256"]["config.json"] = hashlib.sha256(config_bytes).hexdigest()
    return _zip({**members, "config.json": config_bytes, "ember.json": json.dumps(extras)})


def test_deflated_archive_loads_like_a_stored_one(tmp_path):
    model = _trained()
    model.save(str(tmp_path / "m.keras"))
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    (tmp_path / "deflated.keras").write_bytes(_zip(members, zipfile.ZIP_DEFLATED))
    loaded = ember.models.load_model(str(tmp_path / "deflated.keras"))
    x, _ = _data()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_lambda_loads_only_with_safe_mode_off(tmp_path):
    x_in = ember.Input(shape=(3,))
    model = ember.Model(x_in, layers.Lambda(np.negative)(layers.Dense(2)(x_in)))
    path = str(tmp_path / "lam.keras")
    model.save(path)
    _expect_rejected(path, "safe_mode=False")
    loaded = ember.models.load_model(path, safe_mode=False)
    x, _ = _data(4)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_failed_save_leaves_previous_file_untouched(tmp_path):
    path = str(tmp_path / "m.keras")
    model = _trained()
    model.save(path)
    before = pathlib.Path(path).read_bytes()

    class Unserializable(layers.Layer):
        def get_config(self):
            return {**super().get_config(), "blob": object()}

    broken = ember.Sequential([layers.Dense(2, input_dim=3), Unserializable()])
    with pytest.raises(TypeError):
        broken.save(path)
    assert pathlib.Path(path).read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["m.keras"]
    with pytest.raises(ValueError, match="must end in `.keras`"):
        model.save(str(tmp_path / "m.h5"))


def test_write_error_mid_save_keeps_previous_file_and_no_temp(tmp_path, monkeypatch):
    path = str(tmp_path / "m.keras")
    model = _trained()
    model.save(path)
    model.save_weights(str(tmp_path / "w.weights.safetensors"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def disk_full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    model.fit(*_data(), epochs=1, verbose=0)
    with pytest.raises(OSError, match="No space left"):
        model.save(path)
    with pytest.raises(OSError, match="No space left"):
        model.save_weights(str(tmp_path / "w.weights.safetensors"))
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_rezipped_member_with_valid_crc_is_caught_by_the_sha256(tmp_path):
    """A change that keeps the zip consistent (CRC recomputed) still fails ember.json's checksum."""
    path = tmp_path / "m.keras"
    _trained().save(str(path))
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for name in ("model.weights.h5", "config.json", "metadata.json"):
        data = bytearray(members[name])
        data[len(data) // 2] ^= 0x01
        (tmp_path / "re.keras").write_bytes(_zip({**members, name: bytes(data)}))
        _expect_rejected(str(tmp_path / "re.keras"), f"checksum of {name} does not match ember.json")

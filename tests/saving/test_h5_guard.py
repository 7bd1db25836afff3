"""ember.saving.h5_guard: ember's .weights.h5 is verified before libhdf5 parses it; foreign HDF5 files are parsed
in a child process whose crash or hang becomes a ValueError naming the file."""

from __future__ import annotations

import pathlib

import numpy as np
import pytest

from ember import layers, models
from ember.saving import h5_guard, keras_weights, weights_file

FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "keras"
CRASHES = pathlib.Path(__file__).resolve().parents[1] / "fixtures" / "h5_crashes"


def _model():
    return models.Sequential([layers.Input((6,)), layers.Dense(5), layers.Dense(3)])


@pytest.fixture
def saved(tmp_path):
    model = _model()
    path = tmp_path / "m.weights.h5"
    model.save_weights(str(path))
    return model, path


@pytest.fixture
def no_libhdf5(monkeypatch):
    """Fail the test if ember's HDF5 weight reader (libhdf5) is reached."""

    def refuse(*args):
        raise AssertionError("libhdf5 was asked to parse a file that failed ember's checksum")

    monkeypatch.setattr(keras_weights, "read_groups", refuse)


def test_ember_weights_h5_has_the_sealed_user_block_and_still_is_plain_hdf5(saved):
    import h5py

    model, path = saved
    raw = path.read_bytes()
    assert raw[:8] == h5_guard.MAGIC and raw[512:520] == h5_guard.HDF5_SIGNATURE
    assert h5_guard.check(raw, str(path), "t") == "ember"
    with h5py.File(path, "r") as f:  # what Keras does: libhdf5 skips the user block
        assert f.userblock_size == 512
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], model.get_weights()[0])
    other = _model()
    other.load_weights(str(path))
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("where", ["magic", "version", "digest", "padding", "superblock", "data", "last"])
def test_a_flipped_bit_anywhere_is_caught_before_libhdf5(saved, where, no_libhdf5):
    model, path = saved
    raw = bytearray(path.read_bytes())
    pos = {"magic": 3, "version": 8, "digest": 20, "padding": 300, "superblock": 515, "data": len(raw) // 2,
           "last": len(raw) - 1}[where]  # fmt: skip
    raw[pos] ^= 0x10
    path.write_bytes(bytes(raw))
    before = [w.copy() for w in model.get_weights()]
    with pytest.raises(ValueError, match=r"m\.weights\.h5.*(SHA-256|header .* is corrupted|version)"):
        model.load_weights(str(path))
    for a, b in zip(model.get_weights(), before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("size", [0, 5, 11, 40, 511, 520, 2000, -1])
def test_every_kind_of_truncation_is_caught_before_libhdf5(saved, size, no_libhdf5):
    model, path = saved
    raw = path.read_bytes()
    path.write_bytes(raw[: size if size >= 0 else len(raw) - 1])
    with pytest.raises(ValueError, match=r"m\.weights\.h5"):
        model.load_weights(str(path))


def test_weights_h5_from_older_ember_still_load_and_their_checksum_is_checked(tmp_path):
    model = _model()
    groups = keras_weights.model_groups(model)
    path = tmp_path / "old.weights.h5"
    path.write_bytes(keras_weights.h5_bytes(groups, {"ember_sha256": weights_file._groups_checksum(groups)}))
    other = _model()
    other.load_weights(str(path))
    for a, b in zip(other.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    path.write_bytes(keras_weights.h5_bytes(groups, {"ember_sha256": "0" * 64}))
    with pytest.raises(ValueError, match=r"old\.weights\.h5 is corrupted: checksum mismatch"):
        other.load_weights(str(path))


def test_load_model_on_an_ember_weights_file_says_what_it_is(saved):
    with pytest.raises(ValueError, match=r"an ember HDF5 weight file"):
        models.load_model(str(saved[1]))


def test_foreign_hdf5_is_read_in_a_child_with_the_same_result_as_in_process(monkeypatch):
    path = str(FIXTURES / "legacy_sequential.h5")
    isolated = models.load_model(path)
    monkeypatch.setenv("EMBER_H5_ISOLATE", "0")
    direct = models.load_model(path)
    for a, b in zip(isolated.get_weights(), direct.get_weights(), strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_errors_from_the_child_keep_their_message_and_type(tmp_path):
    path = tmp_path / "w.h5"
    path.write_bytes(keras_weights.h5_bytes([("", "x", [np.zeros(3)])]))  # no model_config
    with pytest.raises(ValueError, match=r"w\.h5 is an HDF5 file without 'model_config'"):
        models.load_model(str(path))


def test_a_child_that_does_not_answer_in_time_is_killed_and_reported(monkeypatch):
    monkeypatch.setenv("EMBER_H5_TIMEOUT", "0.001")
    path = str(FIXTURES / "legacy_sequential.h5")
    with pytest.raises(ValueError, match=r"legacy_sequential\.h5: libhdf5 hung reading it.*the file is damaged"):
        models.load_model(path)


def test_a_libhdf5_hang_on_a_damaged_file_is_killed_and_reported(monkeypatch):
    """One bit flipped in a Keras 2 .h5 (tests/fixtures/h5_crashes, found by the D4 sweep) loops libhdf5 forever."""
    monkeypatch.setenv("EMBER_H5_TIMEOUT", "3")
    path = CRASHES / "legacy_sequential_hang.h5"
    with pytest.raises(ValueError, match=r"legacy_sequential_hang\.h5: libhdf5 hung reading it .*the file is damaged"):
        models.load_model(str(path))


def test_the_reader_process_refuses_to_launch_anything(tmp_path):
    """The child's audit hook: a process launch after its readers are imported ends it (exit 3, named)."""
    import subprocess
    import sys

    code = ("import sys, runpy; sys.argv = ['h5_guard', 'keras_weights', 'x.h5', 'test'];"
            "import ember.saving.h5_guard as g; g._readers(); sys.addaudithook(g._deny); import os; os.system('true')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=pathlib.Path(__file__).resolve().parents[2])  # fmt: skip
    assert proc.returncode == 3 and "refused audited event os.system" in proc.stderr, proc.stderr


def test_a_keras_archive_weights_member_is_crc_checked_before_libhdf5(tmp_path, monkeypatch):
    """zipfile verifies the member's CRC-32 as it is read, before the HDF5 bytes go to any parser."""
    import zipfile

    from ember.saving import model_file

    raw = bytearray((FIXTURES / "keras3_sequential.keras").read_bytes())
    with zipfile.ZipFile(FIXTURES / "keras3_sequential.keras") as zf:
        info = zf.getinfo("model.weights.h5")
    start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28], "little")
    start += int.from_bytes(raw[info.header_offset + 28 : info.header_offset + 30], "little")
    raw[start + info.compress_size // 2] ^= 0x01
    path = tmp_path / "flipped.keras"
    path.write_bytes(bytes(raw))

    def refuse(*args):
        raise AssertionError("the HDF5 member was parsed before its CRC-32 was checked")

    monkeypatch.setattr(model_file, "model_weight_groups", refuse)
    with pytest.raises(ValueError, match=r"flipped\.keras is not a valid \.keras file .*CRC"):
        models.load_model(str(path))

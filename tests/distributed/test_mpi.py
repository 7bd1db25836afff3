"""ember.distributed under ``mpirun -n 2`` (issue 15): equivalence, logs, bad input, TCP, faults, resume.

Each launch costs about a second of MPI start-up, so one script runs many checks
(tests/distributed/_scripts/checks.py prints ``CHECK <name> OK`` per check).
"""

import json
import pathlib

import numpy as np
import pytest

from tests.distributed.mpirun import SCRIPTS, launch

CHECKS = str(SCRIPTS / "checks.py")
FAULTS = str(SCRIPTS / "faults.py")


def _ok(proc, names):
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for name in names:
        assert f"CHECK {name} OK" in proc.stdout, out[-4000:]


def test_two_ranks_match_one_process_and_agree(tmp_path):
    """2x32 == 1x64 after 50 steps (MLP, CNN, LSTM; rtol 1e-5), hashes equal after every step, logs, bad input."""
    proc, _ = launch([CHECKS, "main", str(tmp_path)])
    _ok(proc, ["collectives", "equivalence mlp", "equivalence cnn", "equivalence lstm", "shuffled equivalence",
               "custom loop", "batch norm statistics", "logs and callbacks", "bad input"])  # fmt: skip


def test_tcp_transport_forced(tmp_path):
    """The same collectives and an MLP equivalence with Open MPI's shared-memory transport turned off."""
    proc, _ = launch([CHECKS, "tcp", str(tmp_path)], mca=[("btl", "tcp,self")])
    _ok(proc, ["collectives", "equivalence mlp"])


def test_exception_on_one_rank_ends_the_job(tmp_path):
    proc, seconds = launch([FAULTS, "exception", str(tmp_path)], timeout=60)
    assert proc.returncode != 0
    assert seconds < 10, seconds
    assert "RuntimeError: injected failure on rank 1" in proc.stderr
    assert "aborting the job" in proc.stderr


def test_sigkill_of_one_rank_ends_the_job(tmp_path):
    proc, seconds = launch([FAULTS, "sigkill", str(tmp_path)], timeout=90)
    assert proc.returncode != 0
    assert seconds < 60, seconds
    assert "fault 'sigkill'" in proc.stdout


def test_collective_on_one_rank_times_out_with_a_clear_error(tmp_path):
    proc, seconds = launch([FAULTS, "deadlock", str(tmp_path)], timeout=60)
    assert proc.returncode != 0
    assert seconds < 20, seconds
    assert "CollectiveTimeoutError" in proc.stderr and "never joined" in proc.stderr


def _train(folder, fault_file=None, fault_epoch=None):
    folder.mkdir(exist_ok=True)
    if fault_file:
        (folder / fault_file).write_text(str(fault_epoch))
    proc, _ = launch([FAULTS, "train", str(folder)], timeout=90)
    if fault_file:
        (folder / fault_file).unlink()
    return proc


def test_relaunch_resumes_from_rank0_backup(tmp_path):
    """Killed in epoch 2 of 4 (rank 1 mid-epoch; or rank 0 half-way through writing epoch 2's backup):
    the relaunch reads rank 0's last complete backup, never the partial file, loses at most one save
    interval, and ends with the uninterrupted run's weights bit for bit."""
    proc = _train(tmp_path / "clean")
    assert proc.returncode == 0, proc.stderr[-3000:]
    reference = np.load(tmp_path / "clean" / "result.npz")
    for name, fault_file, message in [("rank1", "kill_at", "fault 'sigkill' in epoch 2"),
                                      ("rank0_saving", "kill_in_save", "killed half-way through")]:  # fmt: skip
        folder = tmp_path / name
        proc = _train(folder, fault_file, 2)
        assert proc.returncode != 0 and message in proc.stdout, proc.stdout[-2000:]
        partial = [p for p in (folder / "backup").iterdir() if p.name.endswith(".tmp")]
        if name == "rank0_saving":  # the half-written temporary file is really there
            assert len(partial) == 1 and partial[0].stat().st_size > 0
        else:
            assert sorted(p.name for p in (folder / "backup").iterdir()) == ["latest.state.safetensors"]
        proc = _train(folder)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert json.loads((folder / "epochs.json").read_text())["epochs_run"] == 2  # epochs 2 and 3 only
        resumed = np.load(folder / "result.npz")
        for key in reference:
            np.testing.assert_array_equal(resumed[key], reference[key])


@pytest.mark.slow
def test_mnist_two_ranks_reach_single_process_accuracy(tmp_path):
    """examples/mpi_mnist.py: 2 ranks x 64 vs 1 process x 128 on real MNIST, accuracy within 0.3 points."""
    example = str(pathlib.Path(__file__).resolve().parents[2] / "examples" / "mpi_mnist.py")
    args = [example, "--epochs", "1", "--json", str(tmp_path / "{size}.json")]
    one, _ = launch(args, n=1, timeout=300)
    assert one.returncode == 0, one.stderr[-3000:]
    two, _ = launch(args + ["--baseline", str(tmp_path / "1.json")], n=2, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in (1, 2))
    assert a["accuracy"] > 0.9, a
    assert abs(a["accuracy"] - b["accuracy"]) <= 0.003, (a, b)
    assert "speed-up" in two.stdout

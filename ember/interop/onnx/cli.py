"""``ember export`` and ``ember predict``: the command-line side of issue 13 (export and deployment).

``ember export MODEL.keras MODEL.onnx [--opset N]`` writes the ONNX form of a saved model;
``ember predict MODEL.(keras|onnx) INPUT.npy [--output OUT.npy]`` runs a saved ``.keras`` model in ember or an
``.onnx`` model in onnxruntime on one ``.npy`` batch. Bad files (missing, wrong extension, corrupt) raise
``FileNotFoundError``/``ValueError`` with one line that :func:`ember.cli.main` prints before exiting with status 1.
"""

from __future__ import annotations

import io
import os

import numpy as np


def add_commands(sub) -> None:
    """Register the ``export`` and ``predict`` sub-commands on an argparse sub-parser collection."""
    export = sub.add_parser("export", help="convert a saved .keras model to ONNX")
    export.add_argument("model", help="the .keras file to read")
    export.add_argument("output", help="the .onnx file to write")
    export.add_argument("--opset", type=int, default=None, help="ONNX opset (default: 17)")
    predict = sub.add_parser("predict", help="run a .keras (ember) or .onnx (onnxruntime) model on a .npy batch")
    predict.add_argument("model", help="a .keras or .onnx file")
    predict.add_argument("input", help="a .npy file holding one batch (batch axis first)")
    predict.add_argument("--output", default=None, help="write the predictions to this .npy file")


def _existing(path: str, extensions: tuple, what: str) -> str:
    if not path.endswith(extensions):
        raise ValueError(f"{what}: expected a {' or '.join(extensions)} file. Received: {path!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what}: no such file: {path!r}")
    return path


def _load_keras(path: str):
    from ember.models import load_model

    try:
        return load_model(path)
    except (ValueError, FileNotFoundError):
        raise
    except Exception as exc:  # a damaged archive surfaces as zipfile/h5py/json errors: report them in one line
        raise ValueError(f"{path} is not a readable .keras model ({type(exc).__name__}: {exc})") from None


def cmd_export(args) -> int:
    """``ember export MODEL.keras MODEL.onnx [--opset N]``."""
    from ember.interop.onnx import export

    _existing(args.model, (".keras",), "ember export")
    if not args.output.endswith(".onnx"):
        raise ValueError(f"ember export: the output must be a .onnx file. Received: {args.output!r}")
    proto = export(_load_keras(args.model), args.output, opset=args.opset)
    opset = proto.opset_import[0].version
    names = ", ".join(i.name for i in proto.graph.input), ", ".join(o.name for o in proto.graph.output)
    print(f"wrote {args.output} (ONNX opset {opset}; inputs: {names[0]}; outputs: {names[1]})")
    return 0


def _load_npy(path: str) -> np.ndarray:
    _existing(path, (".npy",), "ember predict")
    try:
        return np.load(path, allow_pickle=False)
    except Exception as exc:  # truncated header, pickled object arrays, ...
        raise ValueError(f"{path} is not a readable .npy array ({type(exc).__name__}: {exc})") from None


def _onnx_session(path: str):
    try:
        import onnxruntime as ort
    except ImportError as exc:  # pragma: no cover - the extra is installed in CI
        raise ValueError("ember predict: running .onnx models needs onnxruntime: pip install 'ember[onnx]'") from exc
    try:
        return ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for corrupt protobufs
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(f"{path} is not a valid ONNX model ({first})") from None


def predict_onnx(path: str, x: np.ndarray) -> list[np.ndarray]:
    """Outputs of the ONNX model at ``path`` on ``x`` (cast to the graph input's dtype when safe)."""
    sess = _onnx_session(path)
    inputs = sess.get_inputs()
    if len(inputs) != 1:
        raise ValueError(f"ember predict: {path} has {len(inputs)} inputs; one .npy file feeds one input")
    want = np.dtype(_ORT_TYPES.get(inputs[0].type, x.dtype))
    if x.dtype != want:
        if not np.can_cast(x.dtype, want, casting="same_kind"):
            raise ValueError(f"ember predict: input '{inputs[0].name}' expects {want}. Received: {x.dtype} array")
        x = x.astype(want)
    try:
        return sess.run(None, {inputs[0].name: x})
    except Exception as exc:
        raise ValueError(f"ember predict: onnxruntime rejected the input of shape {x.shape}: "
                         f"{str(exc).strip().splitlines()[0]}") from None  # fmt: skip


_ORT_TYPES = {"tensor(float)": "float32", "tensor(double)": "float64", "tensor(int64)": "int64",
              "tensor(int32)": "int32"}  # fmt: skip


def cmd_predict(args) -> int:
    """``ember predict MODEL.(keras|onnx) INPUT.npy [--output OUT.npy]``."""
    _existing(args.model, (".keras", ".onnx"), "ember predict")
    x = _load_npy(args.input)
    if args.output is not None and not args.output.endswith(".npy"):
        raise ValueError(f"ember predict: --output must be a .npy file. Received: {args.output!r}")
    if args.model.endswith(".onnx"):
        outs = predict_onnx(args.model, x)
    else:
        y = _load_keras(args.model).predict(x, verbose=0)
        outs = [np.asarray(v) for v in (y if isinstance(y, list) else [y])]
    if args.output is not None:
        from ember.saving.atomic import atomic_write_bytes

        buffer = io.BytesIO()
        np.save(buffer, outs[0], allow_pickle=False)
        atomic_write_bytes(args.output, buffer.getvalue())
        print(f"wrote {args.output}: predictions of shape {outs[0].shape}")
    else:
        for y in outs:
            print(np.array2string(y, precision=6, threshold=200))
    return 0


def run(args) -> int:
    """Dispatch ``export``/``predict``."""
    return cmd_export(args) if args.command == "export" else cmd_predict(args)

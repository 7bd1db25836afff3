"""Real third-party ONNX models imported into ember agree with onnxruntime within 1e-4 (issue 13 §2).

PaddleOCR (rapidocr-onnxruntime wheel): detector, direction classifier and recogniser on "HELLO 2024"
rendered with PIL; silero-vad's op15 model on a voiced signal and on silence, state carried over chunks.
"""

from __future__ import annotations

import numpy as np
import pytest
from onnx_helpers import cls_input, ctc_greedy, det_input, package_file, rec_input, render_text, require, voiced_signal

from ember.interop.onnx import load_model

ATOL = 1e-4


def _ort(path):
    ort = require("onnxruntime")
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"])


def _ocr(name):
    return package_file("rapidocr_onnxruntime", "models", name)


@pytest.fixture(scope="module")
def text_image():
    return render_text("HELLO 2024")


def test_paddleocr_recogniser_reads_hello_2024(text_image):
    path = _ocr("ch_PP-OCRv4_rec_infer.onnx")
    model = load_model(path)
    x = rec_input(text_image)
    probs = model.predict(x, verbose=0)
    expected = _ort(path).run(None, {"x": x})[0]
    assert probs.shape == expected.shape == (1, x.shape[-1] // 8, 6625)
    np.testing.assert_allclose(probs, expected, rtol=0, atol=ATOL)
    characters = ["blank", *model.metadata["character"].splitlines(), " "]
    assert ctc_greedy(probs[0], characters) == "HELLO 2024"
    assert model.count_params() > 1_000_000  # the Constant-node weights became ember weights


def test_paddleocr_classifier_tells_upright_from_rotated(text_image):
    path = _ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx")
    model = load_model(path)
    x = np.concatenate([cls_input(text_image), cls_input(np.ascontiguousarray(text_image[::-1, ::-1]))])
    probs = model.predict(x, verbose=0)
    np.testing.assert_allclose(probs, _ort(path).run(None, {"x": x})[0], rtol=0, atol=ATOL)
    assert probs.argmax(-1).tolist() == [0, 1]  # labels ['0', '180']
    assert probs[0, 0] > 0.9 and probs[1, 1] > 0.9


def test_paddleocr_detector_matches_onnxruntime(text_image):
    path = _ocr("ch_PP-OCRv4_det_infer.onnx")
    model = load_model(path)
    x = det_input(text_image)
    prob = model.predict(x, verbose=0)
    np.testing.assert_allclose(prob, _ort(path).run(None, {"x": x})[0], rtol=0, atol=ATOL)
    assert prob.shape == (1, 1, *x.shape[2:])
    mid = prob[0, 0, x.shape[2] // 2]
    assert (mid > 0.3).mean() > 0.5  # the row through the text lights up
    assert prob[0, 0, :, :4].max() < 0.3 and prob[0, 0, :, -4:].max() < 0.3  # the white margins do not


@pytest.mark.parametrize("kind", ["voiced", "silence"])
def test_silero_vad_op15_matches_onnxruntime(kind):
    path = package_file("silero_vad", "data", "silero_vad_16k_op15.onnx")
    model = load_model(path)
    session = _ort(path)
    audio = voiced_signal() if kind == "voiced" else np.zeros(4000, np.float32)
    state = np.zeros((2, 1, 128), np.float32)
    ort_state, context = state, np.zeros(64, np.float32)
    sr = np.array(16000, np.int64)
    probs = []
    for start in range(0, 3 * 512, 512):
        chunk = np.concatenate([context, audio[start : start + 512]])[None]
        out, state = model.run({"input": chunk, "state": state, "sr": sr})
        ref, ort_state = session.run(None, {"input": chunk, "state": ort_state, "sr": sr})
        np.testing.assert_allclose(out, ref, rtol=0, atol=ATOL)
        np.testing.assert_allclose(state, ort_state, rtol=0, atol=ATOL)
        context = chunk[0, -64:]
        probs.append(float(out[0, 0]))
    assert all(0.0 <= p <= 1.0 for p in probs)
    if kind == "silence":
        assert max(probs) < 0.1


@pytest.mark.parametrize(
    "name", ["silero_vad.onnx", "silero_vad_op18_ifless.onnx", "silero_vad_half.onnx", "silero_vad_openvino_16k.onnx"]
)
def test_other_silero_vad_exports_match_onnxruntime(name):
    path = package_file("silero_vad", "data", name)
    session = _ort(path)
    chunk = np.concatenate([np.zeros(64, np.float32), voiced_signal()[:512]])[None]
    feeds = {"input": chunk, "state": np.zeros((2, 1, 128), np.float32), "sr": np.array(16000, np.int64)}
    feeds = {i.name: feeds[i.name] for i in session.get_inputs()}
    for got, want in zip(load_model(path).run(feeds), session.run(None, feeds), strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=ATOL)


def test_paddleocr_classifier_fine_tunes(text_image):
    """Gradients reach the imported weights: one SGD step towards swapped labels lowers that loss."""
    import ember

    model = load_model(_ocr("ch_ppocr_mobile_v2.0_cls_infer.onnx"))
    x = np.concatenate([cls_input(text_image), cls_input(np.ascontiguousarray(text_image[::-1, ::-1]))])
    y = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)  # the wrong way round: a large loss to reduce
    model.compile(optimizer=ember.optimizers.SGD(1e-3), loss="categorical_crossentropy")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, batch_size=2, epochs=1, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    assert len(model.trainable_weights) > 50

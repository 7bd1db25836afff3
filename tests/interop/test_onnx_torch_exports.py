"""Modules exported by PyTorch's ONNX exporter (opset 17) run in ember as in onnxruntime.

These are the graphs users most often bring: torch's LSTM/GRU (with Shape/Expand plumbing for the
initial states), conv nets with folded BatchNorm, attention written as MatMul/Softmax, Resize and
ConvTranspose.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from onnx_helpers import require

from ember.interop.onnx import load_model


def _modules(torch):
    nn = torch.nn
    return {
        "lstm": (nn.LSTM(8, 12, num_layers=2, bidirectional=True, batch_first=True), (torch.randn(3, 7, 8),)),
        "gru": (nn.GRU(8, 12, batch_first=True), (torch.randn(3, 7, 8),)),
        "cnn": (
            nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.BatchNorm2d(8), nn.ReLU6(),
                          nn.MaxPool2d(3, 2, ceil_mode=True), nn.Conv2d(8, 8, 3, groups=8, dilation=2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4), nn.LogSoftmax(-1)),
            (torch.randn(2, 3, 33, 31),),
        ),
        "attention": (nn.MultiheadAttention(16, 2, batch_first=True), (torch.randn(2, 6, 16),) * 3),
        "decoder": (
            nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"), nn.ConvTranspose2d(3, 4, 4, 2, 1),
                          nn.InstanceNorm2d(4, affine=True), nn.SiLU(), nn.GroupNorm(2, 4)),
            (torch.randn(1, 3, 5, 6),),
        ),
    }  # fmt: skip


@pytest.mark.parametrize("name", ["lstm", "gru", "cnn", "attention", "decoder"])
def test_torch_export_matches_onnxruntime(name):
    torch, ort, onnx = require("torch", "test"), require("onnxruntime"), require("onnx")
    torch.manual_seed(0)
    module, args = _modules(torch)[name]
    module.eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's own deprecation notes
        torch.onnx.export(module, args, buffer, opset_version=17, dynamo=False)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    feeds = {i.name: a.numpy() for i, a in zip(session.get_inputs(), args, strict=False)}
    got = load_model(onnx.load_from_string(buffer.getvalue())).run(feeds)
    want = session.run(None, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)

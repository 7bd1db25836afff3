"""silero-vad's ``silero_vad_16k.safetensors`` in an ember rebuild against its ONNX twin (onnxruntime).

The architecture is the package's ``silero_vad/tinygrad_model.py`` (read, not imported): per 512-sample
chunk with 64 samples of context, reflect-pad 64 on the right, an STFT as Conv1d(1->258, k=256, stride 128)
whose magnitude is ``sqrt(re^2 + im^2)`` over 129 bins, four Conv1d+ReLU (k=3, pad 1; strides 1, 2, 2, 1),
an LSTMCell(128) carrying ``(h, c)`` from chunk to chunk, ReLU, a 1x1 Conv1d, sigmoid, mean over time.
Here it is ember layers (channels last) filled by ``load_state_dict`` with an explicit mapping (the
safetensors order is not the module order). Input: a 2 s synthetic signal (tones, a noise burst and
silence: no speech recording installs offline) fed chunk by chunk with the state carried. References:
the same architecture in torch with the safetensors weights, and ``silero_vad_16k_op15.onnx`` in
onnxruntime with that file's own weights (they are not the safetensors' weights, see the NOTE below).
Reproduce: ``PYTHONPATH=$PWD python -m pytest -q tests/interop/test_torch_silero.py``.
"""

import importlib.util
import os

import numpy as np

import ember
import ember.interop.torch as et
from ember import layers as L
from ember import ops

DATA = os.path.join(importlib.util.find_spec("silero_vad").submodule_search_locations[0], "data")
CHUNK, CONTEXT = 512, 64


class SileroVAD(L.Layer):
    """The 16 kHz silero-vad network for one chunk: ``(batch, 576)`` samples, state ``(2, batch, 128)``."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.stft_conv = L.Conv1D(258, 256, strides=128, use_bias=False, name="stft_conv")
        self.conv1 = L.Conv1D(128, 3, padding="same", activation="relu", name="conv1")
        self.pad2, self.pad3 = L.ZeroPadding1D(1), L.ZeroPadding1D(1)  # torch pads stride-2 convs symmetrically
        self.conv2 = L.Conv1D(64, 3, strides=2, activation="relu", name="conv2")
        self.conv3 = L.Conv1D(64, 3, strides=2, activation="relu", name="conv3")
        self.conv4 = L.Conv1D(128, 3, padding="same", activation="relu", name="conv4")
        self.lstm_cell = L.LSTMCell(128, name="lstm_cell")
        self.final_conv = L.Conv1D(1, 1, activation="sigmoid", name="final_conv")

    def call(self, x, state):
        n = x.shape[1]
        mirror = ops.take(x, np.arange(n - 2, n - 2 - CONTEXT, -1), axis=1)  # reflect pad 64 on the right
        x = ops.expand_dims(ops.concatenate([x, mirror], axis=1), -1)  # (batch, 640, 1)
        spec = self.stft_conv(x)  # (batch, 4, 258): real and imaginary halves
        x = ops.sqrt(spec[:, :, :129] ** 2 + spec[:, :, 129:] ** 2)
        x = self.conv4(self.conv3(self.pad3(self.conv2(self.pad2(self.conv1(x))))))  # (batch, 1, 128)
        h, (h, c) = self.lstm_cell(x[:, 0, :], [state[0], state[1]])
        prob = ops.mean(self.final_conv(ops.expand_dims(ops.relu(h), 1)), axis=1)  # (batch, 1)
        return prob, ops.stack([h, c])


def _signal(seconds=2.0, rate=16000):
    t = np.arange(int(seconds * rate)) / rate
    rng = np.random.default_rng(0)
    voiced = (np.sin(2 * np.pi * 180 * t) + 0.5 * np.sin(2 * np.pi * 360 * t)) * (np.sin(2 * np.pi * 3 * t) > 0)
    noise = rng.standard_normal(t.size) * 0.05 * (t > 1.2)
    return (0.4 * voiced * (t < 1.0) + noise).astype(np.float32)


def _built():
    model = SileroVAD()
    model(ember.tensor(np.zeros((1, CHUNK + CONTEXT), "float32")), ember.tensor(np.zeros((2, 1, 128), "float32")))
    return model


def _run(model, step):
    """Feed the signal chunk by chunk (state carried) through ``step``; the per-chunk probabilities."""
    wav = np.concatenate([np.zeros(CONTEXT, np.float32), _signal()])
    state, probs = np.zeros((2, 1, 128), "float32"), []
    for i in range(CONTEXT, wav.size - CHUNK + 1, CHUNK):
        prob, state = step(wav[None, i - CONTEXT : i + CHUNK], state)
        probs.append(float(np.asarray(prob).ravel()[0]))
    return np.array(probs), state


def _ember_step(model):
    def step(chunk, state):
        prob, state = model(ember.tensor(chunk), ember.tensor(state))
        return prob.numpy(), state.numpy()

    return step


def test_safetensors_rebuild_equals_torch_on_the_same_weights():
    import torch
    import torch.nn.functional as F
    from safetensors.torch import load_file

    names = ["stft_conv", "conv1", "conv2", "conv3", "conv4", "lstm_cell", "final_conv"]
    model = _built()
    et.load_state_dict(model, os.path.join(DATA, "silero_vad_16k.safetensors"), mapping={n: n for n in names})
    w = load_file(os.path.join(DATA, "silero_vad_16k.safetensors"))
    cell = torch.nn.LSTMCell(128, 128)
    cell.load_state_dict({k[len("lstm_cell.") :]: v for k, v in w.items() if k.startswith("lstm_cell.")})

    @torch.no_grad()
    def torch_step(chunk, state):  # silero_vad/tinygrad_model.py in torch.nn.functional
        x = F.conv1d(F.pad(torch.tensor(chunk), (0, CONTEXT), mode="reflect").unsqueeze(1), w["stft_conv.weight"],
                     stride=128)  # fmt: skip
        x = (x[:, :129] ** 2 + x[:, 129:] ** 2).sqrt()
        for i, stride in zip((1, 2, 3, 4), (1, 2, 2, 1), strict=True):
            x = F.relu(F.conv1d(x, w[f"conv{i}.weight"], w[f"conv{i}.bias"], stride=stride, padding=1))
        h, c = cell(x.squeeze(-1), (torch.tensor(state[0]), torch.tensor(state[1])))
        y = torch.sigmoid(F.conv1d(F.relu(h).unsqueeze(-1), w["final_conv.weight"], w["final_conv.bias"]))
        return y.mean(-1).numpy(), torch.stack([h, c]).numpy()

    ours, state = _run(model, _ember_step(model))
    theirs, state_t = _run(None, torch_step)
    assert len(ours) == 62 and theirs.max() - theirs.min() > 0.1  # the network reacts to the signal
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    np.testing.assert_allclose(state, state_t, rtol=0, atol=1e-4)


def test_rebuild_with_the_onnx_twins_weights_matches_onnxruntime():
    # NOTE: the ONNX/TorchScript twins ship other weights than the safetensors file (conv1.weight differs by up
    # to 4.03 from every ONNX tensor of its shape), so the ONNX comparison loads the ONNX file's own initializers
    # (a torch state dict of silero's module: model.encoder.N.reparam_conv, model.decoder.rnn, ...).
    import onnx
    import onnxruntime as ort
    from onnx import numpy_helper

    path = os.path.join(DATA, "silero_vad_16k_op15.onnx")
    sd = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    mapping = {"stft_conv/kernel": "model.stft.forward_basis_buffer", "lstm_cell": "model.decoder.rnn",
               "final_conv": "model.decoder.decoder.2"}  # fmt: skip
    mapping.update({f"conv{i + 1}": f"model.encoder.{i}.reparam_conv" for i in range(4)})
    model = _built()
    et.load_state_dict(model, sd, mapping=mapping)
    session = ort.InferenceSession(path)

    def onnx_step(chunk, state):
        return session.run(None, {"input": chunk, "state": state, "sr": np.array(16000, np.int64)})

    ours, state = _run(model, _ember_step(model))
    theirs, state_o = _run(None, onnx_step)
    assert theirs.max() - theirs.min() > 0.1
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)
    np.testing.assert_allclose(state, state_o, rtol=0, atol=1e-4)

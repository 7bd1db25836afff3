"""Whole-sequence recurrences (SimpleRNN, LSTM, GRU) as single graph nodes with hand-written BPTT.

Why fused: a step-by-step composite makes ~15 graph nodes per timestep and as many
temporaries; here the forward is a plain loop over time on raw arrays (one matmul per
step for all gates) and the backward is backpropagation through time written out,
so a 100-step LSTM is one node. The input projection ``x @ kernel + bias`` for all
timesteps is done *outside*, by one ordinary ``matmul``, and arrives as ``xw``.

Conventions shared by the three ops (Keras layouts):

- ``xw``: ``(batch, timesteps, G * units)``, the projected inputs, gates in Keras
  order (LSTM ``i, f, c, o``; GRU ``z, r, h``).
- ``recurrent_kernel``: ``(units, G * units)``.
- ``mask``: optional ``(batch, timesteps)`` array of 0/1; at a masked step the state
  is carried over unchanged (Keras's masking rule).
- ``recurrent_mask``: optional ``(batch, units)`` recurrent-dropout multiplier applied
  to the previous state before the recurrent matmul, the same for every step.

Source: Hochreiter & Schmidhuber (1997), Gers et al. (2000) for the LSTM; Cho et al.
(2014) for the GRU with the reset gate applied after the matmul (``reset_after=True``,
cuDNN's and PyTorch's variant); Keras 3 ``keras/src/layers/rnn/{lstm,gru,simple_rnn}.py``.
"""

from __future__ import annotations

from ember import backend
from ember.autograd import Function, Tensor, tracing
from ember.ops._convert import as_tensor


def _sigmoid(xp, z):
    return 0.5 * xp.tanh(0.5 * z) + 0.5  # exact sigmoid that cannot overflow


def _masks(xp, mask, recurrent_mask, dtype):
    m = None if mask is None else xp.asarray(mask, dtype=dtype)
    r = None if recurrent_mask is None else xp.asarray(recurrent_mask, dtype=dtype)
    return m, r


def _recurrent_kernel_grad(xp, hs, recurrent_mask, dz):
    """``dU = Σ_t h_{t-1}^T dz_t`` as one matmul over all timesteps (faster than one per step).

    ``hs`` is ``(timesteps + 1, batch, units)`` (``hs[0]`` the initial state), ``dz`` is
    ``(batch, timesteps, G * units)``.
    """
    hp = hs[:-1] if recurrent_mask is None else hs[:-1] * recurrent_mask
    t, b, n = hp.shape
    return hp.reshape(t * b, n).T @ xp.ascontiguousarray(dz.transpose(1, 0, 2)).reshape(t * b, -1)


def _recurrent_kernel_grad_t(xp, hs, recurrent_mask, dz):
    """As :func:`_recurrent_kernel_grad` with ``dz`` time-major, ``(timesteps, batch, G * units)``."""
    hp = hs[:-1] if recurrent_mask is None else hs[:-1] * recurrent_mask
    t, b, n = hp.shape
    return hp.reshape(t * b, n).T @ dz.reshape(t * b, -1)


class SimpleRNNSequence(Function):
    """``h_t = tanh(xw_t + h_{t-1} U)``; output all ``h_t`` as ``(batch, timesteps, units)``."""

    def forward(self, xw, h0, u, mask=None, recurrent_mask=None):
        xp = backend.namespace(xw)
        self.m, self.r = _masks(xp, mask, recurrent_mask, xw.dtype)
        b, t_len, units = xw.shape
        hs = xp.empty((t_len + 1, b, units), dtype=xw.dtype)
        cands = xp.empty((t_len, b, units), dtype=xw.dtype)  # tanh outputs before masking
        hs[0] = h0
        for t in range(t_len):
            hp = hs[t] if self.r is None else hs[t] * self.r
            h = cands[t] = xp.tanh(xw[:, t] + hp @ u)
            hs[t + 1] = h if self.m is None else self.m[:, t, None] * h + (1 - self.m[:, t, None]) * hs[t]
        self.hs, self.u, self.cands = hs, u, cands
        return xp.ascontiguousarray(hs[1:].transpose(1, 0, 2))

    def backward(self, grad):
        xp = backend.namespace(grad)
        hs, u, m, r = self.hs, self.u, self.m, self.r
        dxw = xp.empty_like(grad)
        dh_next = xp.zeros_like(hs[0])
        for t in range(grad.shape[1] - 1, -1, -1):
            dh = grad[:, t] + dh_next
            carry = 0.0
            if m is not None:
                carry, dh = dh * (1 - m[:, t, None]), dh * m[:, t, None]
            h = self.cands[t]
            dz = dh * (1 - h * h)
            dxw[:, t] = dz
            dhp = dz @ u.T
            dh_next = (dhp if r is None else dhp * r) + carry
        return dxw, dh_next, _recurrent_kernel_grad(xp, hs, r, dxw)


class LSTMSequence(Function):
    """Keras LSTM over a whole sequence; output ``(batch, timesteps, 2 * units)`` = ``[h_t, c_t]``.

    ``i, f, o = sigmoid``, ``g = tanh`` of the gate pre-activations
    ``z_t = xw_t + h_{t-1} U``; ``c_t = f c_{t-1} + i g``; ``h_t = o tanh(c_t)``.

    Kernel: the sigmoid columns of ``xw`` and ``U`` are halved once per call (exact in floating point), so a
    step is one matmul into a preallocated buffer, one add, one in-place ``tanh`` over all four gates and
    ``sigmoid(z) = 0.5 tanh(z / 2) + 0.5`` on the ``i, f`` and ``o`` slices; every other product is in place
    on preallocated time-major ``(timesteps, batch, ...)`` buffers (no per-step temporaries; a step's rows are
    contiguous, which measured faster than batch-major slices). ``dU`` is one matmul over all timesteps.
    """

    def forward(self, xw, h0, c0, u, mask=None, recurrent_mask=None):
        xp = backend.namespace(xw)
        self.m, self.r = _masks(xp, mask, recurrent_mask, xw.dtype)
        b, t_len, g4 = xw.shape
        n = g4 // 4
        scale = xp.full((g4,), 0.5, dtype=xw.dtype)
        scale[2 * n : 3 * n] = 1.0
        acts = xp.empty((t_len, b, g4), dtype=xw.dtype)  # time-major: one step's rows are contiguous
        xp.multiply(xw.transpose(1, 0, 2), scale, out=acts)  # xw_t halved, then the gate activations in place
        uh = u * scale
        hc = xp.empty((t_len + 1, b, 2 * n), dtype=xw.dtype)  # [h_t, c_t]: the output without a concatenate
        hs, cs = hc[..., :n], hc[..., n:]
        tcs = xp.empty((t_len, b, n), dtype=xw.dtype)
        z = xp.empty((b, g4), dtype=xw.dtype)
        ig = xp.empty((b, n), dtype=xw.dtype)
        hs[0], cs[0] = h0, c0
        for t in range(t_len):
            a = acts[t]
            xp.matmul(hs[t] if self.r is None else hs[t] * self.r, uh, out=z)
            a += z
            xp.tanh(a, out=a)
            for s in (a[:, : 2 * n], a[:, 3 * n :]):
                s *= 0.5
                s += 0.5
            i, f, g, o = a[:, :n], a[:, n : 2 * n], a[:, 2 * n : 3 * n], a[:, 3 * n :]
            c, h = cs[t + 1], hs[t + 1]
            xp.multiply(f, cs[t], out=c)
            xp.multiply(i, g, out=ig)
            c += ig
            xp.tanh(c, out=tcs[t])
            xp.multiply(o, tcs[t], out=h)
            if self.m is not None:
                mt = self.m[:, t, None]
                c[...] = mt * c + (1 - mt) * cs[t]
                h[...] = mt * h + (1 - mt) * hs[t]
        self.hc, self.acts, self.tcs, self.u = hc, acts, tcs, u
        return xp.ascontiguousarray(hc[1:].transpose(1, 0, 2))

    def _gate_grads(self, xp, t, dh, dc, d, dcc):
        """Write ``dz_t`` into ``d`` and ``dcc = dc + dh o (1 - tanh(c_t)^2)`` into ``dcc``, in place."""
        a, tc, n = self.acts[t], self.tcs[t], self.tcs.shape[-1]
        i, f, g, o = a[:, :n], a[:, n : 2 * n], a[:, 2 * n : 3 * n], a[:, 3 * n :]
        xp.multiply(tc, tc, out=dcc)
        xp.subtract(1.0, dcc, out=dcc)
        dcc *= o
        dcc *= dh
        dcc += dc
        di, df, dg, do = d[:, :n], d[:, n : 2 * n], d[:, 2 * n : 3 * n], d[:, 3 * n :]
        for dgate, gate, other, by in ((di, i, g, dcc), (df, f, self.hc[t, :, n:], dcc), (do, o, tc, dh)):
            xp.subtract(1.0, gate, out=dgate)
            dgate *= gate
            dgate *= other
            dgate *= by  # d sigmoid-gate = by * other * s (1 - s)
        xp.multiply(g, g, out=dg)
        xp.subtract(1.0, dg, out=dg)
        dg *= i
        dg *= dcc  # dg = dcc i (1 - g^2)

    def backward(self, grad):
        xp = backend.namespace(grad)
        hc, acts, m, r = self.hc, self.acts, self.m, self.r
        n = self.tcs.shape[-1]
        b, t_len = grad.shape[:2]
        dz = xp.empty(acts.shape, dtype=grad.dtype)  # (T, B, 4n)
        ut = xp.ascontiguousarray(self.u.T)
        dh_next, dc_next = xp.zeros((b, n), dtype=grad.dtype), xp.zeros((b, n), dtype=grad.dtype)
        dcc = xp.empty((b, n), dtype=grad.dtype)
        for t in range(t_len - 1, -1, -1):
            dh, dc = dh_next, dc_next
            dh += grad[:, t, :n]
            dc += grad[:, t, n:]
            if m is not None:
                mt = m[:, t, None]
                carry_h, carry_c, dh, dc = dh * (1 - mt), dc * (1 - mt), dh * mt, dc * mt
            self._gate_grads(xp, t, dh, dc, dz[t], dcc)
            dh_next = dz[t] @ ut
            if r is not None:
                dh_next *= r
            dc_next = dcc * acts[t, :, n : 2 * n]
            if m is not None:
                dh_next += carry_h
                dc_next += carry_c
        du = _recurrent_kernel_grad_t(xp, hc[..., :n], r, dz)
        return xp.ascontiguousarray(dz.transpose(1, 0, 2)), dh_next, dc_next, du


class GRUSequence(Function):
    """Keras GRU (``reset_after=True``) over a whole sequence; output ``(batch, timesteps, units)``.

    With ``q_t = h_{t-1} U + b_rec`` split as ``(q_z, q_r, q_h)`` and ``xw_t`` as ``(x_z, x_r, x_h)``:
    ``z = sigmoid(x_z + q_z)``, ``r = sigmoid(x_r + q_r)``, ``hh = tanh(x_h + r q_h)``,
    ``h_t = z h_{t-1} + (1 - z) hh`` (PyTorch's ``nn.GRU`` with gates reordered).
    """

    def forward(self, xw, h0, u, b_rec, mask=None, recurrent_mask=None):
        xp = backend.namespace(xw)
        self.m, self.r = _masks(xp, mask, recurrent_mask, xw.dtype)
        b, t_len, g3 = xw.shape
        n = g3 // 3
        hs = xp.empty((t_len + 1, b, n), dtype=xw.dtype)
        acts = xp.empty((t_len, b, g3), dtype=xw.dtype)  # z, r, hh
        qhs = xp.empty((t_len, b, n), dtype=xw.dtype)
        hs[0] = h0
        for t in range(t_len):
            hp = hs[t] if self.r is None else hs[t] * self.r
            q = hp @ u + b_rec
            a = acts[t]
            a[:, : 2 * n] = _sigmoid(xp, xw[:, t, : 2 * n] + q[:, : 2 * n])
            qhs[t] = q[:, 2 * n :]
            a[:, 2 * n :] = xp.tanh(xw[:, t, 2 * n :] + a[:, n : 2 * n] * qhs[t])
            z = a[:, :n]
            h = z * hs[t] + (1 - z) * a[:, 2 * n :]
            if self.m is not None:
                mt = self.m[:, t, None]
                h = mt * h + (1 - mt) * hs[t]
            hs[t + 1] = h
        self.hs, self.acts, self.qhs, self.u = hs, acts, qhs, u
        return xp.ascontiguousarray(hs[1:].transpose(1, 0, 2))

    def backward(self, grad):
        xp = backend.namespace(grad)
        hs, acts, qhs, u, m, r = self.hs, self.acts, self.qhs, self.u, self.m, self.r
        n = hs.shape[-1]
        dxw = xp.empty(grad.shape[:2] + (3 * n,), dtype=grad.dtype)
        dqs = xp.empty_like(dxw)  # gradients of h_{t-1} @ U + b_rec
        dh_next = xp.zeros_like(hs[0])
        for t in range(grad.shape[1] - 1, -1, -1):
            dh = grad[:, t] + dh_next
            carry = 0.0
            if m is not None:
                carry, dh = dh * (1 - m[:, t, None]), dh * m[:, t, None]
            a = acts[t]
            z, rr, hh = a[:, :n], a[:, n : 2 * n], a[:, 2 * n :]
            dn = dh * (1 - z) * (1 - hh * hh)
            dx = dxw[:, t]
            dx[:, :n] = dh * (hs[t] - hh) * z * (1 - z)
            dx[:, n : 2 * n] = dn * qhs[t] * rr * (1 - rr)
            dx[:, 2 * n :] = dn
            dq = dqs[:, t]
            dq[:, : 2 * n] = dx[:, : 2 * n]
            dq[:, 2 * n :] = dn * rr
            dhp = dq @ u.T
            dh_next = (dhp if r is None else dhp * r) + dh * z + carry
        return dxw, dh_next, _recurrent_kernel_grad(xp, hs, r, dqs), dqs.sum(axis=(0, 1))


def _check(name: str, xw, states, u, gates: int):
    if xw.ndim != 3 or xw.shape[-1] % gates or u.shape != (xw.shape[-1] // gates, xw.shape[-1]):
        raise ValueError(
            f"{name}: expected xw (batch, timesteps, {gates}*units) and recurrent_kernel (units, {gates}*units). "
            f"Received: xw shape {xw.shape}, recurrent_kernel shape {u.shape}"
        )
    expected = (xw.shape[0], u.shape[0])
    for s in states:
        if tuple(s.shape) != expected:
            raise ValueError(f"{name}: expected initial states of shape {expected}. Received: shape {s.shape}")


def _arr(x):
    if isinstance(x, Tensor) and tracing._STATE["tracer"] is not None:
        return x  # graph mode: a mask is an input of the traced node (ember/graph/tracer.py)
    return None if x is None else (x.data if isinstance(x, Tensor) else x)


def simple_rnn_sequence(xw, h0, recurrent_kernel, mask=None, recurrent_mask=None) -> Tensor:
    """Run ``h_t = tanh(xw_t + h_{t-1} @ recurrent_kernel)`` over all timesteps as one node.

    Args:
        xw: ``(batch, timesteps, units)``: ``x @ kernel + bias`` for every timestep.
        h0: ``(batch, units)`` initial state.
        recurrent_kernel: ``(units, units)``.
        mask: ``(batch, timesteps)`` 0/1 or bool; masked steps keep the previous state. Defaults to ``None``.
        recurrent_mask: ``(batch, units)`` multiplier of ``h_{t-1}`` (recurrent dropout). Defaults to ``None``.

    Returns:
        ``(batch, timesteps, units)``: every ``h_t``.

    Raises:
        ValueError: if the shapes do not agree, naming them.
    """
    xw, h0, u = as_tensor(xw), as_tensor(h0), as_tensor(recurrent_kernel)
    _check("simple_rnn_sequence", xw, [h0], u, 1)
    return SimpleRNNSequence.apply(xw, h0, u, mask=_arr(mask), recurrent_mask=_arr(recurrent_mask))


def lstm_sequence(xw, h0, c0, recurrent_kernel, mask=None, recurrent_mask=None) -> Tensor:
    """Run the Keras LSTM recurrence over all timesteps as one node (hand-written BPTT).

    Args:
        xw: ``(batch, timesteps, 4 * units)``: ``x @ kernel + bias``, gates ``i, f, c, o``.
        h0, c0: ``(batch, units)`` initial hidden and carry states.
        recurrent_kernel: ``(units, 4 * units)``.
        mask: ``(batch, timesteps)``; masked steps keep both states. Defaults to ``None``.
        recurrent_mask: ``(batch, units)`` multiplier of ``h_{t-1}`` (recurrent dropout). Defaults to ``None``.

    Returns:
        ``(batch, timesteps, 2 * units)``: ``[h_t, c_t]`` concatenated on the last axis.

    Raises:
        ValueError: if the shapes do not agree, naming them.
    """
    xw, h0, c0, u = as_tensor(xw), as_tensor(h0), as_tensor(c0), as_tensor(recurrent_kernel)
    _check("lstm_sequence", xw, [h0, c0], u, 4)
    return LSTMSequence.apply(xw, h0, c0, u, mask=_arr(mask), recurrent_mask=_arr(recurrent_mask))


def gru_sequence(xw, h0, recurrent_kernel, recurrent_bias, mask=None, recurrent_mask=None) -> Tensor:
    """Run the Keras GRU (``reset_after=True``) recurrence over all timesteps as one node.

    Args:
        xw: ``(batch, timesteps, 3 * units)``: ``x @ kernel + input_bias``, gates ``z, r, h``.
        h0: ``(batch, units)`` initial state.
        recurrent_kernel: ``(units, 3 * units)``.
        recurrent_bias: ``(3 * units,)``, added to ``h_{t-1} @ recurrent_kernel`` (before the reset gate).
        mask: ``(batch, timesteps)``; masked steps keep the state. Defaults to ``None``.
        recurrent_mask: ``(batch, units)`` multiplier of ``h_{t-1}`` (recurrent dropout). Defaults to ``None``.

    Returns:
        ``(batch, timesteps, units)``: every ``h_t``.

    Raises:
        ValueError: if the shapes do not agree, naming them.
    """
    xw, h0, u, b = as_tensor(xw), as_tensor(h0), as_tensor(recurrent_kernel), as_tensor(recurrent_bias)
    _check("gru_sequence", xw, [h0], u, 3)
    return GRUSequence.apply(xw, h0, u, b, mask=_arr(mask), recurrent_mask=_arr(recurrent_mask))

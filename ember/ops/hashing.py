"""String hashing kernels for :class:`~ember.layers.Hashing` (no gradient): FarmHash Fingerprint64 and SipHash-2-4.

Keras 3's ``Hashing`` calls TensorFlow's ``tf.strings.to_hash_bucket_fast`` (``Fingerprint64(s) % num_bins``, Google's
FarmHash ``farmhashna::Hash64``) and, with a ``salt``, ``tf.strings.to_hash_bucket_strong``
(``SipHash-2-4(key=salt, s) % num_bins``). Both are written here in plain Python integer arithmetic modulo 2**64
so ember reproduces Keras's bins exactly without TensorFlow.

Source: github.com/google/farmhash ``src/farmhash.cc`` (namespace ``farmhashna``); Aumasson & Bernstein (2012),
"SipHash: a fast short-input PRF"; tensorflow/core/kernels/string_to_hash_bucket_op.h.
"""

from __future__ import annotations

import numpy as np

from ember.autograd import Tensor

_M = (1 << 64) - 1
_K0, _K1, _K2 = 0xC3A5C85C97CB3127, 0xB492B66FBE98F273, 0x9AE16A3B2F90404F


def _rot(v: int, shift: int) -> int:
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & _M


def _fetch(s: bytes, i: int) -> int:
    return int.from_bytes(s[i : i + 8], "little")


def _fetch32(s: bytes, i: int) -> int:
    return int.from_bytes(s[i : i + 4], "little")


def _shift_mix(v: int) -> int:
    return v ^ (v >> 47)


def _len16(u: int, v: int, mul: int) -> int:
    a = ((u ^ v) * mul) & _M
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M
    b ^= b >> 47
    return (b * mul) & _M


def _len0to16(s: bytes) -> int:
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch(s, 0) + _K2) & _M
        b = _fetch(s, n - 8)
        c = (_rot(b, 37) * mul + a) & _M
        d = ((_rot(a, 25) + b) * mul) & _M
        return _len16(c, d, mul)
    if n >= 4:
        return _len16(n + (_fetch32(s, 0) << 3), _fetch32(s, n - 4), _K2 + n * 2)
    if n > 0:
        y = (s[0] + (s[n >> 1] << 8)) & 0xFFFFFFFF
        z = (n + (s[n - 1] << 2)) & 0xFFFFFFFF
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M) * _K2) & _M
    return _K2


def _len17to32(s: bytes) -> int:
    n = len(s)
    mul = _K2 + n * 2
    a, b = (_fetch(s, 0) * _K1) & _M, _fetch(s, 8)
    c, d = (_fetch(s, n - 8) * mul) & _M, (_fetch(s, n - 16) * _K2) & _M
    return _len16((_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M, (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)


def _len33to64(s: bytes) -> int:
    n = len(s)
    mul = _K2 + n * 2
    a, b = (_fetch(s, 0) * _K2) & _M, _fetch(s, 8)
    c, d = (_fetch(s, n - 8) * mul) & _M, (_fetch(s, n - 16) * _K2) & _M
    y = (_rot((a + b) & _M, 43) + _rot(c, 30) + d) & _M
    z = _len16(y, (a + _rot((b + _K2) & _M, 18) + c) & _M, mul)
    e, f = (_fetch(s, 16) * mul) & _M, _fetch(s, 24)
    g, h = ((y + _fetch(s, n - 32)) * mul) & _M, ((z + _fetch(s, n - 24)) * mul) & _M
    return _len16((_rot((e + f) & _M, 43) + _rot(g, 30) + h) & _M, (e + _rot((f + a) & _M, 18) + g) & _M, mul)


def _weak32(s: bytes, i: int, a: int, b: int) -> tuple:
    w, x, y, z = _fetch(s, i), _fetch(s, i + 8), _fetch(s, i + 16), _fetch(s, i + 24)
    a = (a + w) & _M
    b = _rot((b + a + z) & _M, 21)
    c = a
    a = (a + x + y) & _M
    b = (b + _rot(a, 44)) & _M
    return (a + z) & _M, (b + c) & _M


def _round(s, i, x, y, z, v, w, mul, last=False):
    """One 64-byte block of the long-string loop (the final block mixes with ``mul`` and factor 9)."""
    x = (_rot((x + y + v[0] + _fetch(s, i + 8)) & _M, 37) * mul) & _M
    y = (_rot((y + v[1] + _fetch(s, i + 48)) & _M, 42) * mul) & _M
    x ^= (w[1] * 9) & _M if last else w[1]
    y = (y + v[0] * (9 if last else 1) + _fetch(s, i + 40)) & _M
    z = (_rot((z + w[0]) & _M, 33) * mul) & _M
    v = _weak32(s, i, (v[1] * mul) & _M, (x + w[0]) & _M)
    w = _weak32(s, i + 32, (z + w[1]) & _M, (y + _fetch(s, i + 16)) & _M)
    return z, y, x, v, w  # x and z swap, as in the reference


def fingerprint64(data: bytes) -> int:
    """Google's FarmHash ``Fingerprint64`` (``farmhashna::Hash64``) of ``data``, an unsigned 64-bit int.

    Example:
        >>> fingerprint64(b"A") % 3  # Keras: Hashing(num_bins=3)(["A"]) == [1]
        1
    """
    s, n = bytes(data), len(data)
    if n <= 16:
        return _len0to16(s)
    if n <= 32:
        return _len17to32(s)
    if n <= 64:
        return _len33to64(s)
    seed = 81
    y = (seed * _K1 + 113) & _M
    z = (_shift_mix((y * _K2 + 113) & _M) * _K2) & _M
    v = w = (0, 0)
    x = (seed * _K2 + _fetch(s, 0)) & _M
    end, last64 = ((n - 1) // 64) * 64, ((n - 1) // 64) * 64 + ((n - 1) & 63) - 63
    for i in range(0, end, 64):
        x, y, z, v, w = _round(s, i, x, y, z, v, w, _K1)
    mul = _K1 + ((z & 0xFF) << 1)
    w0 = (w[0] + ((n - 1) & 63)) & _M
    v = ((v[0] + w0) & _M, v[1])
    w = ((w0 + v[0]) & _M, w[1])
    x, y, z, v, w = _round(s, last64, x, y, z, v, w, mul, last=True)
    return _len16((_len16(v[0], w[0], mul) + _shift_mix(y) * _K0 + z) & _M, (_len16(v[1], w[1], mul) + x) & _M, mul)


def siphash24(key: tuple, data: bytes) -> int:
    """SipHash-2-4 of ``data`` with the 128-bit key ``(k0, k1)`` (two unsigned 64-bit ints), as TensorFlow's
    ``to_hash_bucket_strong``.

    Example:
        >>> hex(siphash24((0x0706050403020100, 0x0F0E0D0C0B0A0908), bytes(range(15))))  # the paper's vector
        '0xa129ca6149be45e5'
    """
    k0, k1 = int(key[0]) & _M, int(key[1]) & _M
    v = [k0 ^ 0x736F6D6570736575, k1 ^ 0x646F72616E646F6D, k0 ^ 0x6C7967656E657261, k1 ^ 0x7465646279746573]

    def rounds(count):
        for _ in range(count):
            v[0] = (v[0] + v[1]) & _M
            v[1] = _rot(v[1], 51) ^ v[0]  # rotate left 13 == rotate right 51
            v[0] = _rot(v[0], 32)
            v[2] = (v[2] + v[3]) & _M
            v[3] = _rot(v[3], 48) ^ v[2]
            v[0] = (v[0] + v[3]) & _M
            v[3] = _rot(v[3], 43) ^ v[0]
            v[2] = (v[2] + v[1]) & _M
            v[1] = _rot(v[1], 47) ^ v[2]
            v[2] = _rot(v[2], 32)

    n = len(data)
    tail = bytes(data[n - n % 8 :]) + bytes(7 - n % 8) + bytes([n & 0xFF])
    for block in [data[i : i + 8] for i in range(0, n - n % 8, 8)] + [tail]:
        m = int.from_bytes(block, "little")
        v[3] ^= m
        rounds(2)
        v[0] ^= m
    v[2] ^= 0xFF
    rounds(4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def hash_to_bins(values, num_bins: int, salt=None, mask_value=None) -> Tensor:
    """``Fingerprint64(str(v)) % num_bins`` (or SipHash-2-4 with ``salt = (k0, k1)``) for each element: int64 Tensor.

    Numbers are hashed as TensorFlow's ``as_string`` writes them (floats first cast to int64, as Keras). With
    ``mask_value`` (and ``num_bins > 1``) elements equal to it give 0 and the others ``1 + hash % (num_bins - 1)``.

    Args:
        values: Tensor or array of ``str``/``bytes`` or numbers, any shape.
        num_bins: positive int.
        salt: ``None`` or two ints.
        mask_value: Defaults to ``None``.
    """
    array = np.asarray(values.data if isinstance(values, Tensor) else values)
    masked = mask_value is not None and num_bins > 1
    bins = num_bins - 1 if masked else num_bins
    hashed = array.astype("int64") if array.dtype.kind == "f" else array
    flat = []
    for item in hashed.ravel().tolist():
        raw = item if isinstance(item, bytes) else str(item).encode("utf-8")
        flat.append((fingerprint64(raw) if salt is None else siphash24(salt, raw)) % bins + masked)
    out = np.asarray(flat, dtype="int64").reshape(array.shape)
    if masked:
        out[array == np.asarray(mask_value, dtype=array.dtype)] = 0
    return Tensor(out)

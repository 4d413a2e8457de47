"""A small convolutional network written in numpy: digit crops in, class scores out.

Meterhub ships no deep-learning framework, and a model trained and run with the
package's own dependencies can be rebuilt on any user's machine (``meterhub ocr
train``). The network is small enough for that: three 3×3 convolutions with ReLU and
2×2 max-pooling, one hidden dense layer, ten outputs. Tensors are NHWC float32; a
convolution is one matrix product over the nine shifted copies of its padded input.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

Params = dict[str, np.ndarray]


@dataclass(frozen=True)
class Architecture:
    input_hw: tuple[int, int] = (32, 24)
    channels: tuple[int, ...] = (12, 24, 48)
    hidden: int = 96
    classes: int = 10

    @property
    def flat_size(self) -> int:
        shrink = 2 ** len(self.channels)
        h, w = self.input_hw
        return (h // shrink) * (w // shrink) * self.channels[-1]


class ConvNet:
    """Weights plus forward and backward passes; no state besides the parameters."""

    def __init__(self, arch: Architecture, params: Params) -> None:
        self.arch = arch
        self.params = params

    @classmethod
    def initialise(cls, arch: Architecture, rng: np.random.Generator) -> ConvNet:
        """He-initialised weights, zero biases."""
        params: Params = {}
        fan_in_channels = 1
        for i, out in enumerate(arch.channels):
            fan_in = 9 * fan_in_channels
            params[f"conv{i}.w"] = _he(rng, (fan_in, out), fan_in)
            params[f"conv{i}.b"] = np.zeros(out, np.float32)
            fan_in_channels = out
        params["hidden.w"] = _he(rng, (arch.flat_size, arch.hidden), arch.flat_size)
        params["hidden.b"] = np.zeros(arch.hidden, np.float32)
        params["out.w"] = _he(rng, (arch.hidden, arch.classes), arch.hidden)
        params["out.b"] = np.zeros(arch.classes, np.float32)
        return cls(arch, params)

    # --- passes ----------------------------------------------------------------------

    def logits(self, x: np.ndarray) -> np.ndarray:
        """Class scores for a batch ``x`` of shape (N, H, W) or (N, H, W, 1)."""
        out, _ = self._forward(x, dropout=0.0, rng=None)
        return out

    def forward_backward(
        self, x: np.ndarray, targets: np.ndarray, dropout: float, rng: np.random.Generator
    ) -> tuple[float, Params]:
        """Mean soft-target cross-entropy of a batch and its gradients.

        ``targets`` are probability rows, so a drum digit caught between two values is
        trained toward both at once.
        """
        scores, cache = self._forward(x, dropout=dropout, rng=rng)
        probs = softmax(scores)
        n = x.shape[0]
        loss = float(-(targets * np.log(probs + 1e-9)).sum() / n)
        grads: Params = {}
        d = (probs - targets) / n
        hidden, drop_mask, flat = cache["hidden"], cache["drop"], cache["flat"]
        grads["out.w"] = hidden.T @ d
        grads["out.b"] = d.sum(axis=0)
        d = d @ self.params["out.w"].T
        d *= drop_mask * (hidden > 0)
        grads["hidden.w"] = flat.T @ d
        grads["hidden.b"] = d.sum(axis=0)
        d = (d @ self.params["hidden.w"].T).reshape(cache["pooled_shape"])
        for i in reversed(range(len(self.arch.channels))):
            d = _unpool(d, cache[f"relu{i}"], cache[f"pooled{i}"])
            cols = cache[f"cols{i}"]
            grads[f"conv{i}.w"] = cols.reshape(-1, cols.shape[-1]).T @ d.reshape(-1, d.shape[-1])
            grads[f"conv{i}.b"] = d.sum(axis=(0, 1, 2))
            if i > 0:
                d = _im2col(d) @ _flipped(self.params[f"conv{i}.w"], cache[f"in_shape{i}"][-1])
        return loss, grads

    def _forward(
        self, x: np.ndarray, dropout: float, rng: np.random.Generator | None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if x.ndim == 3:
            x = x[..., None]
        x = x.astype(np.float32, copy=False)
        cache: dict[str, Any] = {}
        for i in range(len(self.arch.channels)):
            cache[f"in_shape{i}"] = x.shape
            cols = _im2col(x)
            relu = np.maximum(cols @ self.params[f"conv{i}.w"] + self.params[f"conv{i}.b"], 0.0)
            x = _pool(relu)
            cache[f"cols{i}"], cache[f"relu{i}"], cache[f"pooled{i}"] = cols, relu, x
        cache["pooled_shape"] = x.shape
        flat = x.reshape(x.shape[0], -1)
        hidden = np.maximum(flat @ self.params["hidden.w"] + self.params["hidden.b"], 0.0)
        drop = np.ones_like(hidden)
        if dropout > 0 and rng is not None:
            drop = (rng.random(hidden.shape) >= dropout).astype(np.float32) / (1.0 - dropout)
        cache["flat"], cache["hidden"], cache["drop"] = flat, hidden * drop, drop
        return cache["hidden"] @ self.params["out.w"] + self.params["out.b"], cache


def save_models(path: Path, nets: list[ConvNet], meta: dict[str, Any]) -> None:
    """Several networks of one architecture in one ``.npz`` (no pickles): weights as
    float16 under ``<member>/<name>``, the architecture and ``meta`` as JSON."""
    arrays: dict[str, np.ndarray] = {}
    for member, net in enumerate(nets):
        for name, value in net.params.items():
            arrays[f"{member}/{name}"] = value.astype(np.float16)
    arrays["architecture"] = np.array(json.dumps(asdict(nets[0].arch)))
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        np.savez_compressed(file, **arrays)


def load_models(path: Path) -> tuple[list[ConvNet], dict[str, Any]]:
    with np.load(path, allow_pickle=False) as data:
        spec = json.loads(str(data["architecture"]))
        arch = Architecture(
            input_hw=tuple(spec["input_hw"]),
            channels=tuple(spec["channels"]),
            hidden=spec["hidden"],
            classes=spec["classes"],
        )
        meta = json.loads(str(data["meta"]))
        members: dict[str, Params] = {}
        for key in data.files:
            if "/" in key:
                member, name = key.split("/", 1)
                members.setdefault(member, {})[name] = data[key].astype(np.float32)
    nets = [ConvNet(arch, members[m]) for m in sorted(members, key=int)]
    return nets, meta


class Adam:
    """Adam with decoupled weight decay on the weight matrices (not the biases)."""

    def __init__(self, params: Params, weight_decay: float = 1e-4) -> None:
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}
        self.t = 0
        self.weight_decay = weight_decay

    def step(self, params: Params, grads: Params, lr: float) -> None:
        self.t += 1
        b1, b2 = 0.9, 0.999
        correction = np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        for name, grad in grads.items():
            self.m[name] = b1 * self.m[name] + (1 - b1) * grad
            self.v[name] = b2 * self.v[name] + (1 - b2) * grad * grad
            update = lr * correction * self.m[name] / (np.sqrt(self.v[name]) + 1e-8)
            if name.endswith(".w"):
                update += lr * self.weight_decay * params[name]
            params[name] -= update.astype(np.float32)


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def _he(rng: np.random.Generator, shape: tuple[int, int], fan_in: int) -> np.ndarray:
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, H, W, C) → (N, H, W, 9C): each pixel's 3×3 neighbourhood, zero-padded."""
    _, h, w, _ = x.shape
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    return np.concatenate(
        [padded[:, dy : dy + h, dx : dx + w, :] for dy in range(3) for dx in range(3)], axis=-1
    )


def _flipped(weights: np.ndarray, in_channels: int) -> np.ndarray:
    """The kernel that carries a convolution's output gradient back to its input: turned
    by 180° with input and output channels swapped (9·out, in)."""
    out_channels = weights.shape[1]
    kernel = weights.reshape(3, 3, in_channels, out_channels)[::-1, ::-1]
    return np.ascontiguousarray(kernel.transpose(0, 1, 3, 2).reshape(9 * out_channels, in_channels))


def _pool(x: np.ndarray) -> np.ndarray:
    """2×2 max-pooling as three element-wise maxima of strided views: several times
    faster than a reduction over two interleaved axes."""
    top = np.maximum(x[:, 0::2, 0::2], x[:, 0::2, 1::2])
    bottom = np.maximum(x[:, 1::2, 0::2], x[:, 1::2, 1::2])
    return np.maximum(top, bottom, out=top)


def _unpool(d: np.ndarray, relu: np.ndarray, pooled: np.ndarray) -> np.ndarray:
    """Route each pooled gradient back through the max-pooling and the ReLU before it: to
    the position that held a positive maximum. (Ties only happen at zero.)"""
    n, h, w, c = relu.shape
    blocks = relu.reshape(n, h // 2, 2, w // 2, 2, c)
    peak = pooled[:, :, None, :, None, :]
    mask = (blocks == peak) & (blocks > 0)
    return (mask * d[:, :, None, :, None, :]).reshape(n, h, w, c)

"""The digit network in PyTorch, and its export to the ONNX graph the worker runs.

Only training imports this module (the ``train`` extra); the worker runs the exported
graph in ONNX Runtime. The network: three 3×3 convolutions with ReLU and 2×2
max-pooling, one hidden dense layer with dropout, ten outputs.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import onnx
import torch
from torch import nn

from ..ocr_worker.classifier import INPUT_HEIGHT, INPUT_NAME, INPUT_WIDTH, META_KEY, OUTPUT_NAME

_OPSET = 18


@dataclass(frozen=True)
class Architecture:
    channels: tuple[int, ...] = (12, 24, 48)
    hidden: int = 96
    dropout: float = 0.2
    classes: int = 10

    @property
    def flat_size(self) -> int:
        shrink = 2 ** len(self.channels)
        return (INPUT_HEIGHT // shrink) * (INPUT_WIDTH // shrink) * self.channels[-1]


class DigitNet(nn.Module):
    """Class scores for crops (N, 1, H, W)."""

    def __init__(self, arch: Architecture) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels_in = 1
        for channels in arch.channels:
            layers += [nn.Conv2d(channels_in, channels, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            channels_in = channels
        self.features = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Sequential(
            nn.Linear(arch.flat_size, arch.hidden),
            nn.ReLU(),
            nn.Dropout(arch.dropout),
            nn.Linear(arch.hidden, arch.classes),
        )
        for module in self.modules():
            if isinstance(module, nn.Conv2d | nn.Linear):
                nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
                nn.init.zeros_(module.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class Ensemble(nn.Module):
    """What ships: normalised crops (N, H, W) in, probabilities out, averaged over the
    networks and over each crop and its negative (no rule picks the ink side of a drum
    window reliably, so the networks learn both and answer for both)."""

    def __init__(self, nets: Sequence[DigitNet]) -> None:
        super().__init__()
        self.nets = nn.ModuleList(nets)

    def forward(self, crops: torch.Tensor) -> torch.Tensor:
        x = crops.unsqueeze(1)
        probs = [torch.softmax(net(sign * x), dim=1) for net in self.nets for sign in (1.0, -1.0)]
        return torch.stack(probs).mean(dim=0)


@torch.no_grad()
def probabilities(nets: Sequence[DigitNet], inputs: torch.Tensor) -> torch.Tensor:
    """The ensemble's answer in torch (scoring during training, without an export)."""
    ensemble = Ensemble(nets)
    was_training = [net.training for net in nets]
    ensemble.eval()
    try:
        return ensemble(inputs)
    finally:
        for net, training in zip(nets, was_training, strict=True):
            net.train(training)


def weights_from_onnx(model: bytes) -> list[dict[str, torch.Tensor]]:
    """Each network's ``state_dict`` from an exported graph (its initialisers keep the
    ``nets.<n>.`` names of ``Ensemble``): where fine-tuning starts from."""
    from onnx import numpy_helper

    found: dict[int, dict[str, torch.Tensor]] = {}
    for tensor in onnx.load_from_string(model).graph.initializer:
        prefix, _, rest = tensor.name.partition(".")
        number, _, key = rest.partition(".")
        if prefix == "nets" and number.isdigit():
            array = numpy_helper.to_array(tensor).copy()
            found.setdefault(int(number), {})[key] = torch.from_numpy(array)
    if not found:
        raise ValueError("no digit networks in this model")
    return [found[n] for n in sorted(found)]


def export_onnx(nets: Sequence[DigitNet], meta: dict[str, Any]) -> bytes:
    """The networks as one ONNX graph (float32 weights, any batch size), ``meta`` as JSON
    in its metadata."""
    ensemble = Ensemble(nets).eval()
    example = torch.zeros(2, INPUT_HEIGHT, INPUT_WIDTH)
    # The exporter narrates its steps on stdout and warns about its own internals (and
    # about torchvision operators, which these networks do not use).
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = _export(ensemble, example)
    assert program is not None
    return finished(program.model_proto, "meterhub ocr train", meta)


def finished(model: onnx.ModelProto, producer: str, meta: dict[str, Any]) -> bytes:
    """An exported graph as shipped: provenance stripped, ``meta`` as JSON inside, checked."""
    model.producer_name = producer
    strip_provenance(model)
    entry = onnx.StringStringEntryProto(key=META_KEY, value=json.dumps(meta, sort_keys=True))
    model.metadata_props.append(entry)
    onnx.checker.check_model(model)
    return model.SerializeToString()


def _export(ensemble: Ensemble, example: torch.Tensor) -> torch.onnx.ONNXProgram | None:
    return torch.onnx.export(
        ensemble,
        (example,),
        dynamo=True,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes=({0: torch.export.Dim("batch")},),
        opset_version=_OPSET,
        verbose=False,
    )


def strip_provenance(model: onnx.ModelProto) -> None:
    """Drop what the exporter notes per node (stack traces naming this machine's source
    paths, module names): the shipped file holds the graph and weights only."""
    graphs = [model.graph]
    while graphs:
        graph = graphs.pop()
        for node in graph.node:
            del node.metadata_props[:]
            node.doc_string = ""
            graphs.extend(a.g for a in node.attribute if a.HasField("g"))
        for value in (*graph.input, *graph.output, *graph.value_info, *graph.initializer):
            del value.metadata_props[:]
        del graph.metadata_props[:]
    for function in model.functions:
        for node in function.node:
            del node.metadata_props[:]
            node.doc_string = ""

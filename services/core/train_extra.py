"""The optional `train` extra (PyTorch): whether it is installed, and what to say when not.
Training runs from the CLI and, as a subprocess, from the web page; both answer alike."""

from __future__ import annotations

import importlib.util

TRAIN_PACKAGES = ("torch", "onnx", "onnxscript")  # the `train` extra in pyproject.toml
INSTALL_HINT = "pip install -e '.[train]'"


def missing_train_packages() -> list[str]:
    return [name for name in TRAIN_PACKAGES if importlib.util.find_spec(name) is None]


def no_torch_message(missing: list[str]) -> str:
    return (
        f"training needs {', '.join(missing)} (PyTorch on the CPU is enough); install the "
        f"train extra: {INSTALL_HINT}. Reading meters needs none of it."
    )

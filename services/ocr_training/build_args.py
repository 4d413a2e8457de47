"""What every model-building command shares (train-sequence, train-locator): its options
(where the model goes, the seed and epochs of its recipe, how much is drawn, by how many
processes, and where an interrupted run resumes from) and PyTorch made ready."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..core.train_extra import missing_train_packages, no_torch_message
from ..ocr_worker.classifier import MODELS_DIR


def add_build_arguments(
    parser: argparse.ArgumentParser, seed: int, epochs: int, drawn: str
) -> None:
    """``drawn``: what the recipe draws ("frames", "windows"), for the help text."""
    parser.add_argument("--out", type=Path, default=MODELS_DIR, help="where the model is written")
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument(
        "--scale", type=float, default=1.0, help=f"{drawn} per source, times the recipe's"
    )
    parser.add_argument("--jobs", type=int, default=2, help=f"processes drawing {drawn}")
    parser.add_argument(
        "--checkpoints", type=Path, default=None, help="folder to resume an interrupted run from"
    )


def torch_ready(jobs: int) -> bool:
    """PyTorch imported and set to ``jobs`` threads; False, with the error said, where the
    ``train`` extra is not installed."""
    if missing := missing_train_packages():
        print(f"error: {no_torch_message(missing)}", file=sys.stderr)
        return False
    import torch

    torch.set_num_threads(max(1, jobs))
    return True

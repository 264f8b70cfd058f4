"""Multimodal LLM optimizers (mm-llm-hpo): the text prompt plus a plot of the history.

`mmllm` keeps the losses in the text and adds the plot; `mmllm-image-only` (the paper's ablation)
lists only iterations and configs in the text, so every loss the model learns comes from the
image. Both default to the one-message ("compressed") style of the paper: each request carries
the current plot once. A text-only model is refused before the run starts.
"""

from __future__ import annotations

from typing import Any

from harness.optimizers.llm import LLMOptimizer
from harness.space import SearchSpace


class MMLLMOptimizer(LLMOptimizer):
    name = "mmllm"

    def __init__(self, space: SearchSpace, seed: int, budget: int, *, style: str = "compressed", **kwargs: Any) -> None:
        super().__init__(space, seed, budget, style=style, multimodal=True, **kwargs)


class ImageOnlyOptimizer(LLMOptimizer):
    name = "mmllm-image-only"

    def __init__(self, space: SearchSpace, seed: int, budget: int, *, style: str = "compressed", **kwargs: Any) -> None:
        super().__init__(space, seed, budget, style=style, multimodal=True, image_only=True, **kwargs)

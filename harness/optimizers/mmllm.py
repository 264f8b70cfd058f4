"""Multimodal LLM optimizers (mm-llm-hpo): the text prompt plus a plot of the history.

`mmllm` keeps the losses in the text and adds the plot; `mmllm-image-only` (the paper's ablation)
lists only iterations and configs in the text, so every loss the model learns comes from the
image. Both default to the one-message ("compressed") style of the paper: each request carries
the current plot once. A text-only model is refused before the run starts
(`harness.optimizers.check_model`).
"""

from __future__ import annotations

from pydantic import model_validator

from llmhpo.harness.optimizers.llm import LLMOptimizer, LLMOptions, Style


class MMLLMOptions(LLMOptions):
    style: Style = "compressed"


class ImageOnlyOptions(MMLLMOptions):
    @model_validator(mode="after")
    def _one_message(self) -> ImageOnlyOptions:
        if self.style != "compressed":
            raise ValueError("image-only prompts list the history in one message: use style 'compressed'")
        return self


class MMLLMOptimizer(LLMOptimizer):
    name = "mmllm"
    Options = MMLLMOptions
    needs_images = True


class ImageOnlyOptimizer(LLMOptimizer):
    name = "mmllm-image-only"
    Options = ImageOnlyOptions
    needs_images = True
    image_only = True

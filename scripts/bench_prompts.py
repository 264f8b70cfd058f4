"""Measure prompt tokens per optimizer style and task, prompts revision 1 (before issue #26) vs 2.

Why: revision 2's task descriptions state the fixed settings, so every prompt grows; the embedded
model (local/smollm2-135m, the demo's) has a context of DEFAULT_N_CTX tokens per request that must
hold the prompt and the reply. Tokens are counted with that model's own tokenizer and chat template
(llama.cpp's /apply-template and /tokenize on the loaded GGUF, loaded once, nothing generated).
Prompts are built by the optimizers' own builders: the first request (empty history) and the last
request of a run of --budget trials (seeded configs from the space); images are not counted (a
text-only model cannot take them; a vision model's image tokens depend on its provider).

    .venv/bin/python scripts/bench_prompts.py [--no-append] [--budget 6]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_md import publish

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MODEL = "local/smollm2-135m"
TASKS = ("svm/credit-g", "svm/blood-transfusion", "lr/australian", "xgb/segment", "rf/car", "mlp/kc1", "nn-tab/kc1",
         "hpolib/naval-propulsion", "nas201/cifar10", "toy/branin")
STYLES = {  # label -> (PromptSpec options, reply tokens the optimizer allows: llm.py's max_tokens default, plot)
    "llm chat": ({"style": "chat"}, 160, False),
    "llm compressed+cot": ({"style": "compressed", "cot": True}, 512, False),
    "mmllm": ({"style": "compressed"}, 160, True),
    "mmllm-image-only": ({"style": "compressed", "image_only": True}, 160, True),
}
REVISIONS = ("1", "2")


class Tokenizer:
    """The embedded model's chat template and tokenizer, through its llama.cpp server."""

    def __init__(self) -> None:
        from llmhpo.gateway import models
        from llmhpo.gateway.providers import local

        resolved = models.resolve(MODEL)
        self.n_ctx = local.DEFAULT_N_CTX
        self.server = local.start_server(local.build_params(resolved, n_ctx=self.n_ctx), MODEL)
        address = self.server.listening_address
        self.base = address if address.startswith("http") else f"http://{address}"

    def _post(self, path: str, body: dict) -> dict:
        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as reply:
            return json.loads(reply.read())

    def count(self, messages: list) -> int:
        plain = [{"role": m.role, "content": m.text_only()} for m in messages]
        prompt = self._post("/apply-template", {"messages": plain})["prompt"]
        return len(self._post("/tokenize", {"content": prompt})["tokens"])


def history(task, budget: int) -> list:
    """budget - 1 told trials (the state before the last request), configs sampled with a fixed seed."""
    import numpy as np

    from llmhpo.harness.optimizers.history import Observation
    from llmhpo.harness.optimizers.prompts import compact

    rng = np.random.default_rng(0)
    out = []
    for i in range(budget - 1):
        config = task.space.default() if i == 0 else task.space.sample(rng)
        out.append(Observation(config, 0.1 + 0.37 * ((i * 7919) % 13) / 13, reply=compact(config, task.space)))
    return out


def measure(tokenizer: Tokenizer, budget: int) -> list[dict]:
    from llmhpo.gateway.types import ImagePart
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.benchmarks.base import task_description
    from llmhpo.harness.optimizers import prompts

    plot = ImagePart(data=b"", mime="image/png", fingerprint="0" * 64)  # its note counts; the image itself does not
    rows = []
    for name in TASKS:
        task = load(name)
        told = history(task, budget)
        for style, (options, reply_tokens, plotted) in STYLES.items():
            row = {"task": name, "style": style, "reply": reply_tokens}
            for revision in REVISIONS:
                spec = prompts.PromptSpec(task.space, description=task_description(task, revision), budget=budget,
                                          deterministic=True, revision=revision, **options)
                row[f"first{revision}"] = tokenizer.count(prompts.build(spec, [], last=False))
                last = prompts.build(spec, told, last=True, image=plot if plotted else None)
                row[f"last{revision}"] = tokenizer.count(last)
            rows.append(row)
    return rows


def fit_trials(row: dict, budget: int, n_ctx: int, revision: str) -> int:
    """Trials whose last request + reply still fit, extrapolating the per-trial growth linearly."""
    per_trial = (row[f"last{revision}"] - row[f"first{revision}"]) / (budget - 1)
    return 1 + int((n_ctx - row["reply"] - row[f"first{revision}"]) / per_trial)


def report(rows: list[dict], budget: int, n_ctx: int) -> str:
    lines = [
        f"\n## Prompt tokens, prompts revision 1 vs 2 ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, scripts/bench_prompts.py)\n",
        f"Tokens of the chat-templated request as `{MODEL}` reads it (its own tokenizer; images not counted), for "
        f"the first request and the last one of a {budget}-trial run; *fits* = last request + the reply allowance "
        f"(160 tokens, 512 with chain of thought) within its {n_ctx}-token context.\n",
        "| task | style | first r1 | first r2 | last r1 | last r2 | +tokens (first) | fits r2 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fits = r["last2"] + r["reply"] <= n_ctx
        lines.append(f"| `{r['task']}` | {r['style']} | {r['first1']} | {r['first2']} | {r['last1']} | {r['last2']} | "
                     f"{r['first2'] - r['first1']:+d} | {'yes' if fits else '**no**'} |")
    ratios = [r["first2"] / r["first1"] for r in rows]
    growth = [r["first2"] - r["first1"] for r in rows]
    demo = [r for r in rows if r["task"] in ("svm/credit-g", "svm/blood-transfusion") and r["style"] == "llm chat"]
    worst = max(rows, key=lambda r: r["last2"] + r["reply"])
    lines += [
        "",
        f"Median first-request ratio r2/r1: **{statistics.median(ratios):.2f}** (range {min(ratios):.2f}-"
        f"{max(ratios):.2f}); median growth {statistics.median(growth):+.0f} tokens (max {max(growth):+d}). "
        f"The demo's tasks (llm, chat, budget {budget}): last request "
        + ", ".join(f"`{r['task']}` {r['last1']} -> {r['last2']}" for r in demo)
        + f" tokens of {n_ctx}. Largest request + reply: `{worst['task']}` {worst['style']}, "
        f"{worst['last2']} + {worst['reply']} = {worst['last2'] + worst['reply']} tokens "
        f"({(worst['last2'] + worst['reply']) / n_ctx:.0%} of the context). "
        "Chat requests grow by one turn per trial; extrapolated, the demo's `llm` (chat) runs fit "
        + ", ".join(f"`{r['task']}` {fit_trials(r, budget, n_ctx, '1')} (r1) / {fit_trials(r, budget, n_ctx, '2')} (r2)"
                    for r in demo)
        + " trials in the context.\n",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=6, help="trials of the run whose last request is counted")
    parser.add_argument("--no-append", action="store_true")
    args = parser.parse_args()
    tokenizer = Tokenizer()
    rows = measure(tokenizer, args.budget)
    publish(report(rows, args.budget, tokenizer.n_ctx), append=not args.no_append)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

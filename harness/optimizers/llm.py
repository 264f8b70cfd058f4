"""The LLM optimizer (Zhang et al.): the model proposes every config from the history so far.

Robustness is the point of this module: a reply without a usable config is re-asked (bounded,
naming the problem, replicate bumped so the cache does not serve the same bad reply), then
replaced by a seeded random config; a provider failing transiently (after retries) counts as an
unusable reply, but a refusal (`ProviderRefused`: bad key, unknown model, unsupported parameter) is
never turned into a proposal: it propagates and the driver stops the run with the message; a repeat on a deterministic benchmark is re-asked once, then perturbed. Every step
lands in the proposal's transcript (messages with images as fingerprints, raw replies, extracted
dict, repairs, attempts, fallback, usage, cost, cache hits).

Defaults: temperature 0 (both papers report temperature-0 runs), expert system prompt on (Zhang
et al. B.5 use it throughout), chat style, no chain of thought, Zhang-style space description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, field_validator

from llmhpo.gateway.errors import ConfigurationError
from llmhpo.gateway.gateway import check_sampling
from llmhpo.gateway.types import ImagePart, Message, Request, Response
from llmhpo.harness.benchmarks.base import task_description
from llmhpo.harness.journal.provenance import FALLBACK_SOURCE, Provenance, perturbed_source
from llmhpo.harness.optimizers import prompts, protocol
from llmhpo.harness.optimizers.ask_tell import Optimizer, Proposal, ValidationResult
from llmhpo.harness.optimizers.calls import record_call
from llmhpo.harness.optimizers.history import Observation
from llmhpo.harness.optimizers.parse import ParseResult, parse_reply
from llmhpo.harness.optimizers.patience import PatienceOptions, WithPatience
from llmhpo.harness.optimizers.perturb import perturb
from llmhpo.harness.optimizers.plots import render
from llmhpo.harness.optimizers.plugin import OptimizerPlugin, Options
from llmhpo.harness.optimizers.transcript import Attempt, DuplicateHandling, Outcome, ParseRecord, Transcript
from llmhpo.harness.revisions import Revisions, current
from llmhpo.harness.space import SearchSpace
from llmhpo.harness.usage import summarize
from llmhpo.harness.values import format_value

if TYPE_CHECKING:
    from llmhpo.gateway.client import LLMClient
    from llmhpo.harness.benchmarks.base import Benchmark

Style = Literal["chat", "compressed"]
SpaceStyle = Literal["zhang", "json"]
FALLBACK_STREAM = 7_919  # salt for the fallback / perturbation generator
# every proposals revision (how a reply becomes the evaluated config) a recorded campaign may name:
# "1" evaluates configs at full precision and detects repeats on them; "2" evaluates every config
# at the precision prompts show (SearchSpace.shown), detects repeats in that form and records the
# trial's provenance in the transcript (harness/journal/provenance.py)
PROPOSAL_REVISIONS: tuple[str, ...] = ("1", "2")


class LLMOptions(Options):
    """The options every LLM optimizer shares (hybrids included); defaults as in the module docstring."""

    style: Style = "chat"
    cot: bool = False
    system_prompt: bool = True
    budget_sentence: bool = True
    space_style: SpaceStyle = "zhang"
    temperature: float = 0.0
    max_tokens: int | None = Field(None, ge=1, description="None: 512 with chain of thought, else 160")
    reasks: int = Field(2, ge=0)
    output: protocol.Output | None = None  # None = schema for local/ models, text otherwise (protocol.py)

    @field_validator("temperature")
    @classmethod
    def _sampling(cls, value: float) -> float:
        try:
            check_sampling(value, None)
        except ConfigurationError as exc:
            raise ValueError(str(exc)) from None
        return value


class TextLLMOptions(PatienceOptions, LLMOptions):
    """`llm`: the shared options plus early stopping."""


class LLMOptimizer(OptimizerPlugin):
    """Text LLM optimizer; a subclass with `needs_images` (mmllm.py) attaches a plot of the history."""

    name = "llm"
    Options = TextLLMOptions
    uses_llm = True

    image_only: ClassVar[bool] = False  # mmllm-image-only: losses only in the plot

    @classmethod
    def build(
        cls, options: LLMOptions, *, space: SearchSpace, seed: int, budget: int, task: Benchmark | None = None,
        model: str | None = None, gateway: LLMClient | None = None, revisions: Revisions | None = None, **_: Any,
    ) -> Optimizer:
        llm = cls(space, seed, budget, model=model, gateway=gateway, task=task, options=options, revisions=revisions)
        patience = options.patience if isinstance(options, PatienceOptions) else 0
        return WithPatience(llm, patience) if patience else llm

    def __init__(
        self, space: SearchSpace, seed: int, budget: int, *, model: str, gateway: LLMClient, task: Benchmark | None = None,
        options: LLMOptions | None = None, revisions: Revisions | None = None,
    ) -> None:
        """`options`: validated (LLMOptions; None = this class's defaults); a hybrid passes its own,
        which extend LLMOptions. The model's vision was checked by `check_model`. `revisions`: what
        the campaign was recorded with (harness/revisions.py; None = the newest)."""
        o = options if options is not None else self.Options()
        assert isinstance(o, LLMOptions)
        self.revisions = dict(revisions) if revisions is not None else current()
        self.space, self.seed, self.budget = space, int(seed), int(budget)
        self.model, self.gateway = model, gateway
        self.multimodal = self.needs_images
        caps = gateway.capabilities(model)
        self.deterministic = task is not None and bool(task.deterministic)
        self.spec = prompts.PromptSpec(
            space=space,
            description=task_description(task, self.revisions["prompts"]) if task is not None
            else prompts.DEFAULT_DESCRIPTION,
            budget=self.budget,
            style=o.style,
            cot=o.cot,
            system=o.system_prompt,
            budget_sentence=o.budget_sentence,
            space_style=o.space_style,
            deterministic=self.deterministic,
            image_only=self.image_only,
            revision=self.revisions["prompts"],
        )
        self.temperature = float(o.temperature)
        self.max_tokens = o.max_tokens or (512 if o.cot else 160)
        self.reasks = o.reasks
        self.output = protocol.resolve(o.output, model, caps, cot=o.cot)
        self.schema = space.to_json_schema() if self.output == "schema" else None
        self.extra = protocol.request_extra(self.output)
        self.history: list[Observation] = []
        self._rng = np.random.default_rng([self.seed % 2**32, FALLBACK_STREAM])
        self._asked = 0
        self._pending: dict[str, tuple[str, tuple[str, ...]]] = {}
        # proposals revision 2: what is evaluated is what prompts show, and repeats compare in that form
        self.exact = self.revisions["proposals"] != "1"

    # -- asking ----------------------------------------------------------------------------------
    def _image(self) -> ImagePart | None:
        if not self.multimodal or not self.history:
            return None

        # the best losses are labelled unless the point is that the numbers are only in the plot
        return render(self.history, self.space, self.revisions["plots"], annotate=not self.image_only)

    def _attempt(self, messages: list[Message], replicate: int, attempts: list[Attempt]) -> tuple[Response | None, ParseResult | None]:
        request = Request(
            model=self.model,
            messages=tuple(messages),
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            seed=self.seed,
            response_schema=self.schema,
            replicate=replicate,
            extra=dict(self.extra),
        )
        record, response = record_call(self.gateway, request,
                                       Attempt.new(replicate=replicate, messages=[m.key_view() for m in messages]))
        if response is None:
            attempts.append(record)
            return None, None
        parsed = parse_reply(response.text, self.space)
        attempts.append(record.set(parse=ParseRecord.from_json(parsed.to_dict())))
        return response, parsed

    def ask(self) -> Proposal:
        # the run's trial index (results told so far, whoever proposed them): hybrids and optuna
        # studies mix proposers, and "This is the last try." belongs to the run's final trial
        last = len(self.history) == self.budget - 1
        self._asked += 1
        image = self._image()
        base = prompts.build(self.spec, self.history, last=last, image=image)
        attempts: list[Attempt] = []
        messages, reply, parsed = base, None, None
        replicate = 0
        for _ in range(1 + self.reasks):
            response, result = self._attempt(messages, replicate, attempts)
            replicate += 1
            if result is not None and result.config is not None:
                reply, parsed = response.text, result
                break
            problem = "the model call failed" if response is None else (result.error if result else "no reply")
            messages = base if response is None else prompts.reask_messages(self.spec, base, response.text, problem)

        notes: list[str] = []
        repairs = list(parsed.repairs) if parsed else []
        if parsed is None:
            config = self._shown(self.space.sample(self._rng), [])
            reply = prompts.compact(config, self.space)
            notes.append("no usable reply, so a random config was evaluated instead")
            source, kind = FALLBACK_SOURCE, Provenance.FALLBACK
        else:
            config = self._shown(parsed.config, repairs)
            if repairs:
                notes.append("adjusted to the search space: " + "; ".join(repairs))
            source = self.name
            kind = self._kind(repairs, len(attempts))
        assert config is not None and reply is not None
        config, reply, source, kind, repairs, duplicate = self._dedupe(
            config, reply, source, base, replicate, attempts, notes, kind, repairs)
        written = {"duplicate": duplicate} if duplicate is not None else {}
        if self.exact:
            written.update(config=config, repairs=tuple(repairs), notes=tuple(notes), provenance=kind)
        else:  # revision 1's record: the first usable reply's repairs
            written.update(config=config, repairs=tuple(parsed.repairs) if parsed else (), notes=tuple(notes))
        transcript = Transcript.new(
            optimizer=self.name, model=self.model, style=self.spec.style, cot=self.spec.cot, output=self.output,
            template_version=self.spec.revision, last_try=last, image=image.fingerprint if image is not None else None,
            attempts=tuple(attempts), fallback=parsed is None, **written,
            totals=summarize(attempts),  # this ask's usage, as the trial counts it
        )
        self._pending[self.space.key(config)] = (reply, tuple(notes))
        return Proposal(config, source, transcript.to_json())

    def _shown(self, config: dict[str, Any], repairs: list[str]) -> dict[str, Any]:
        """Revision 2: `config` at the precision prompts show (one reason per changed value in `repairs`);
        revision 1: unchanged."""
        if not self.exact:
            return config
        shown, before = self.evaluated(config), self.space.key(config)
        for p in self.space.params:
            if self.space.key({**config, p.name: shown[p.name]}) != before:
                repairs.append(f"{p.name}: {format_value(config[p.name])} rounded to {format_value(shown[p.name])} "
                               "(the precision prompts show)")
        return shown

    def evaluated(self, config: dict[str, Any]) -> dict[str, Any]:
        """The config as it is evaluated: revision 2, as prompts show it; revision 1, unchanged."""
        return self.space.shown(config) if self.exact else config

    def _key(self, config: dict[str, Any]) -> str:
        """What counts as the same config: revision 2 compares configs as prompts show them."""
        return self.space.key(self.evaluated(config))

    @staticmethod
    def _kind(repairs: list[str], attempts: int) -> Provenance:
        return Provenance.REPAIRED if repairs else Provenance.REASKED if attempts > 1 else Provenance.MODEL

    def _dedupe(
        self, config: dict[str, Any], reply: str, source: str, base: list[Message], replicate: int,
        attempts: list[Attempt], notes: list[str], kind: Provenance, repairs: list[str],
    ) -> tuple[dict[str, Any], str, str, Provenance, list[str], DuplicateHandling | None]:
        """On a deterministic benchmark a repeat wastes a trial: re-ask once, then perturb."""
        if not self.deterministic:
            return config, reply, source, kind, repairs, None
        seen = {self._key(o.config): o for o in self.history}
        prior = seen.get(self._key(config))
        if prior is None:
            return config, reply, source, kind, repairs, None
        duplicate = DuplicateHandling.new(config=config)
        messages = prompts.duplicate_messages(self.spec, base, reply, config, prior.loss)
        response, result = self._attempt(messages, replicate, attempts)
        if result is not None and result.config is not None and self._key(result.config) not in seen:
            duplicate = duplicate.set(resolved_by=Outcome.REASK)
            again = list(result.repairs)
            chosen = self._shown(result.config, again)  # revision 1: unchanged, and so are the repairs
            if again:
                notes.append("adjusted to the search space: " + "; ".join(again))
            if self.exact:
                return chosen, response.text, source, self._kind(again, 2), again, duplicate
            return result.config, response.text, source, kind, repairs, duplicate
        new = perturb(self.space, config, self._rng, avoid=set(seen), canonical=self.space.shown if self.exact else None)
        duplicate = duplicate.set(resolved_by=Outcome.PERTURB, perturbed_to=new)
        notes.append("your config repeated an earlier one, so a nearby config was evaluated instead")
        return new, reply, perturbed_source(source), Provenance.PERTURBED, repairs, duplicate

    # -- telling ---------------------------------------------------------------------------------
    def tell(self, config: dict[str, Any], result: ValidationResult) -> None:
        """Record a result; configs this optimizer did not propose enter the prompt as another
        method's trials (hybrids, optuna studies)."""
        reply, notes = self._pending.pop(self.space.key(config), (None, ()))
        self.history.append(
            Observation(
                config=dict(config),
                loss=float(result.loss),
                crashed=result.status == "crashed",
                reply=reply,
                notes=notes,
            )
        )

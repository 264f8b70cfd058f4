"""Table-driven parsing of replies shaped like what real models write (hosted and local)."""

from __future__ import annotations

import pytest

from llmhpo.harness.optimizers.parse import balanced_objects, extract, loads_lenient, parse_reply
from llmhpo.harness.space import Categorical, Float, Int, SearchSpace

SPACE = SearchSpace(
    [
        Float("C", 0.0009765625, 1024.0, log=True, default=1.0),
        Float("gamma", 0.0009765625, 1024.0, log=True, default=0.1),
        Int("max_depth", 1, 50, log=True, default=10),
        Categorical("kernel", ("rbf", "linear"), default="rbf"),
    ]
)
FULL = {"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear"}
FULL_JSON = '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear"}'

# (id, reply, expected config or None, expected method)
CASES = [
    ("plain-json", FULL_JSON, FULL, "object"),
    ("fenced-json", f"```json\n{FULL_JSON}\n```", FULL, "fence"),
    ("fenced-no-lang", f"```\n{FULL_JSON}\n```", FULL, "fence"),
    ("fenced-multiline", '```json\n{\n  "C": 1.5,\n  "gamma": 0.01,\n  "max_depth": 7,\n  "kernel": "linear"\n}\n```', FULL, "fence"),
    ("prose-around", f"Sure! Based on the results, I suggest {FULL_JSON}. Good luck.", FULL, "object"),
    ("config-prefix", f"Config: {FULL_JSON}", FULL, "cot"),
    ("single-quotes", "{'C': 1.5, 'gamma': 0.01, 'max_depth': 7, 'kernel': 'linear'}", FULL, "object"),
    ("trailing-comma", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear",}', FULL, "object"),
    ("python-literal-mixed", "{'C': 1.5, \"gamma\": 0.01, 'max_depth': 7, 'kernel': 'linear',}", FULL, "object"),
    ("sci-notation", '{"C": 1.5e0, "gamma": 1e-2, "max_depth": 7, "kernel": "linear"}', FULL, "object"),
    ("sci-upper", '{"C": 1.5E+00, "gamma": 1.0E-02, "max_depth": 7, "kernel": "linear"}', FULL, "object"),
    ("numbers-as-strings", '{"C": "1.5", "gamma": "1e-2", "max_depth": "7", "kernel": "linear"}', FULL, "object"),
    ("leading-dot", "{'C': 1.5, 'gamma': .01, 'max_depth': 7, 'kernel': 'linear'}", FULL, "object"),
    ("bare-keys", "{C: 1.5, gamma: 0.01, max_depth: 7, kernel: 'linear'}", FULL, "object"),
    ("smart-quotes", "{\u201cC\u201d: 1.5, \u201cgamma\u201d: 0.01, \u201cmax_depth\u201d: 7, \u201ckernel\u201d: \u201clinear\u201d}", FULL, "object"),
    ("out-of-range-high", '{"C": 5000, "gamma": 0.01, "max_depth": 7, "kernel": "linear"}', {**FULL, "C": 1024.0}, "object"),
    ("out-of-range-low", '{"C": 1.5, "gamma": 0.0, "max_depth": 0, "kernel": "linear"}', {**FULL, "gamma": 0.0009765625, "max_depth": 1}, "object"),
    ("float-for-int", '{"C": 1.5, "gamma": 0.01, "max_depth": 7.4, "kernel": "linear"}', FULL, "object"),
    ("missing-key", '{"C": 1.5, "gamma": 0.01}', {"C": 1.5, "gamma": 0.01, "max_depth": 10, "kernel": "rbf"}, "object"),
    ("extra-key", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear", "degree": 3}', FULL, "object"),
    ("wrong-case-key", '{"c": 1.5, "GAMMA": 0.01, "max_depth": 7, "kernel": "linear"}', FULL, "object"),
    ("categorical-case", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "LINEAR"}', FULL, "object"),
    ("unknown-choice", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "poly"}', {**FULL, "kernel": "rbf"}, "object"),
    ("nan-value", '{"C": NaN, "gamma": 0.01, "max_depth": 7, "kernel": "linear"}', {**FULL, "C": 1.0}, "object"),
    ("nested-config", '{"config": {"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear"}}', FULL, "object"),
    ("two-objects-first-wins", f'{FULL_JSON} or maybe {{"C": 2.0, "gamma": 0.5, "max_depth": 3, "kernel": "rbf"}}', FULL, "object"),
    ("example-object-skipped", f'The format is {{"x": 1}}. My answer: {FULL_JSON}', FULL, "object"),
    (
        "cot-two-lines",
        "Analysis: The loss dropped when C grew {a lot}, so I will increase C further.\n"
        f"Config: {FULL_JSON}",
        FULL,
        "cot",
    ),
    (
        "cot-mentions-earlier-config",
        'Analysis: {"C": 9.0, "gamma": 9.0, "max_depth": 9, "kernel": "rbf"} was worse than the last one.\n'
        f"Config: {FULL_JSON}",
        FULL,
        "cot",
    ),
    ("cot-fenced", f"Analysis: smaller gamma helps.\nConfig:\n```json\n{FULL_JSON}\n```", FULL, "cot"),
    ("key-value-lines", "C: 1.5\ngamma: 0.01\nmax_depth: 7\nkernel: linear", FULL, "key-value"),
    ("key-equals", "I would try C = 1.5, gamma = 1e-2, max_depth = 7 and kernel = 'linear'.", FULL, "key-value"),
    ("truncated-json-key-value", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kern', {**FULL, "kernel": "rbf"}, "key-value"),
    ("braces-in-strings", '{"C": 1.5, "gamma": 0.01, "max_depth": 7, "kernel": "linear", "note": "use {x}"}', FULL, "object"),
    ("empty", "", None, None),
    ("whitespace", "   \n ", None, None),
    ("refusal", "I'm sorry, but I can't help with choosing hyperparameters.", None, None),
    ("irrelevant-json", '{"x": [1.0, 2.0]}', None, None),
    ("list-not-object", "[1.5, 0.01, 7, \"linear\"]", None, None),
]


@pytest.mark.parametrize(("reply", "expected", "method"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_cases(reply: str, expected: dict | None, method: str | None) -> None:
    result = parse_reply(reply, SPACE)
    if expected is None:
        assert result.config is None
        assert result.error
        return
    assert result.config == pytest.approx(expected)
    assert result.method == method
    assert SPACE.contains(result.config)


def test_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


def test_repairs_are_recorded() -> None:
    result = parse_reply('{"C": 5000, "gamma": "0.01", "Max_Depth": 7}', SPACE)
    text = " | ".join(result.repairs)
    assert "C: 5000" in text and "clipped" in text
    assert "gamma: string '0.01'" in text
    assert "Max_Depth: key matched parameter 'max_depth'" in text
    assert "kernel: missing" in text
    assert result.extracted == {"C": 5000, "gamma": "0.01", "Max_Depth": 7}


def test_transcript_form_is_strict_json() -> None:
    import json

    result = parse_reply('{"C": NaN, "gamma": (1, 2)}', SPACE)
    json.dumps(result.to_dict(), allow_nan=False)


def test_balanced_objects_ignore_braces_in_strings() -> None:
    assert balanced_objects('a {"k": "}{"} b {"j": {"n": 1}} c {') == ['{"k": "}{"}', '{"j": {"n": 1}}']


def test_lenient_loader_never_evaluates_code() -> None:
    assert loads_lenient("__import__('os').system('true')") is None
    assert loads_lenient("{'a': 1,}") == {"a": 1}


def test_extract_returns_nothing_for_unknown_keys() -> None:
    assert extract('{"lr": 0.1}', ["C", "gamma"]) == (None, None)

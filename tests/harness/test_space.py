"""SearchSpace: sampling, validation, repair, canonical form, prompt text and converters."""

from __future__ import annotations

import json

import numpy as np
import pytest

from llmhpo.harness.errors import InvalidConfig, UserError
from llmhpo.harness.space import Categorical, Float, Int, Ordinal, SearchSpace, canonical_number

LOG_GRID = tuple(float(2.0**k) for k in range(-10, 11))


@pytest.fixture
def space() -> SearchSpace:
    return SearchSpace(
        [
            Float("C", 2**-10, 2**10, log=True, default=1.0, meaning="regularization parameter"),
            Float("frac", 0.0, 1.0, default=0.5),
            Int("max_depth", 1, 50, log=True, default=10),
            Int("depth", 1, 3, default=3),
            Categorical("kernel", ("rbf", "linear", "poly")),
            Categorical("shrinking", (True, False)),
            Ordinal("gamma", LOG_GRID, default=1.0, log=True),
            Ordinal("width", (16, 25, 40, 64), default=25),
        ]
    )


VALID = {
    "C": 1.0,
    "frac": 0.5,
    "max_depth": 10,
    "depth": 3,
    "kernel": "rbf",
    "shrinking": True,
    "gamma": 1.0,
    "width": 25,
}

# (description, overrides applied to VALID, expected repaired values, expected reason fragment)
REPAIR_CASES = [
    ("above range", {"C": 5000}, {"C": 1024.0}, "C: 5000.0 clipped to 1024.0"),
    ("below range", {"C": 1e-9}, {"C": 2**-10}, "clipped to 0.0009765625"),
    ("negative linear", {"frac": -0.2}, {"frac": 0.0}, "frac: -0.2 clipped to 0.0"),
    ("numeric string sci", {"C": "1e-3"}, {"C": 0.001}, "parsed as 0.001"),
    ("numeric string spaces", {"frac": " 0.5 "}, {"frac": 0.5}, "parsed as 0.5"),
    ("garbage string", {"C": "big"}, {"C": 1.0}, "set to default 1.0"),
    ("nan", {"frac": float("nan")}, {"frac": 0.5}, "set to default 0.5"),
    ("inf", {"C": float("inf")}, {"C": 1.0}, "set to default"),
    ("none", {"C": None}, {"C": 1.0}, "set to default"),
    ("list value", {"frac": [0.1]}, {"frac": 0.5}, "set to default"),
    ("bool for number", {"depth": True}, {"depth": 3}, "set to default 3"),
    ("int rounded", {"max_depth": 10.4}, {"max_depth": 10}, "max_depth: 10.4 rounded to 10"),
    ("int rounded half up", {"depth": 1.5}, {"depth": 2}, "rounded to 2"),
    ("int clipped", {"max_depth": 60.7}, {"max_depth": 50}, "max_depth: 60.7 clipped to 50"),
    ("int string", {"depth": "2"}, {"depth": 2}, "parsed as 2.0"),
    ("categorical case", {"kernel": "RBF "}, {"kernel": "rbf"}, "matched choice 'rbf'"),
    ("categorical unknown", {"kernel": "sigmoid"}, {"kernel": "rbf"}, "set to default 'rbf'"),
    ("bool from string", {"shrinking": "false"}, {"shrinking": False}, "matched choice False"),
    ("log grid snap", {"gamma": 3.0}, {"gamma": 4.0}, "gamma: 3.0 snapped to 4.0"),
    ("log grid snap low", {"gamma": 0.7}, {"gamma": 0.5}, "snapped to 0.5"),
    ("log grid huge", {"gamma": 1e9}, {"gamma": 1024.0}, "snapped to 1024.0"),
    ("log grid zero", {"gamma": 0}, {"gamma": 2**-10}, "snapped to 0.0009765625"),
    ("linear grid snap", {"width": 33}, {"width": 40}, "width: 33.0 snapped to 40"),
    ("grid string", {"width": "64"}, {"width": 64}, "parsed as 64.0"),
]


@pytest.mark.parametrize(("desc", "override", "expected", "reason"), REPAIR_CASES, ids=[c[0] for c in REPAIR_CASES])
def test_repair_cases(space, desc, override, expected, reason):
    repaired, repairs = space.repair({**VALID, **override})
    for k, v in expected.items():
        assert repaired[k] == v and type(repaired[k]) is type(v), (k, repaired[k])
    assert any(reason in r for r in repairs), repairs
    assert space.contains(repaired)


def test_repair_missing_and_extra_keys(space):
    config = {k: v for k, v in VALID.items() if k != "depth"}
    config["learning_rate"] = 0.1
    repaired, repairs = space.repair(config)
    assert list(repaired) == list(space.names) and repaired["depth"] == 3
    assert "depth: missing, set to default 3" in repairs
    assert "learning_rate: unknown parameter dropped" in repairs


def test_repair_valid_config_records_nothing(space):
    repaired, repairs = space.repair(dict(VALID, max_depth=np.int64(7), C=np.float64(2.5)))
    assert repairs == []
    assert type(repaired["max_depth"]) is int and type(repaired["C"]) is float


@pytest.mark.parametrize("bad", [None, [1, 2], "C=1", 3.0])
def test_non_dict_is_invalid_config(space, bad):
    with pytest.raises(InvalidConfig):
        space.repair(bad)
    with pytest.raises(InvalidConfig):
        space.validate(bad)


@pytest.mark.parametrize(
    ("override", "param", "fragment"),
    [
        ({"C": 2000.0}, "C", "outside"),
        ({"depth": 2.5}, "depth", "expected an integer"),
        ({"kernel": "sigmoid"}, "kernel", "not one of"),
        ({"gamma": 3.0}, "gamma", "not one of"),
        ({"shrinking": 1}, "shrinking", "not one of"),
        ({"max_deph": 3}, "max_deph", "did you mean 'max_depth'"),
    ],
)
def test_validate_names_the_parameter(space, override, param, fragment):
    with pytest.raises(InvalidConfig) as info:
        space.validate({**VALID, **override})
    assert info.value.param == param and fragment in str(info.value)


def test_validate_missing(space):
    with pytest.raises(InvalidConfig, match="'width'.*missing"):
        space.validate({k: v for k, v in VALID.items() if k != "width"})


def test_sample_in_space_reproducible_and_log_uniform(space):
    a = [space.sample(np.random.default_rng(3)) for _ in range(2)]
    assert a[0] == a[1]
    rng = np.random.default_rng(0)
    samples = [space.sample(rng) for _ in range(2000)]
    assert all(space.contains(s) for s in samples)
    logc = np.log2([s["C"] for s in samples])
    assert abs(np.median(logc)) < 0.6  # log-uniform over [2^-10, 2^10] has median 2^0
    widths = {s["width"] for s in samples}
    assert widths == {16, 25, 40, 64}
    assert {type(s["max_depth"]) for s in samples} == {int}
    assert min(s["max_depth"] for s in samples) == 1 and max(s["max_depth"] for s in samples) == 50


def test_canonical_is_stable_and_ordered(space):
    messy = dict(reversed(list(VALID.items())))
    messy.update(C=0.1 + 0.2, max_depth=10.0, gamma=np.float32(0.5))
    c = space.canonical(messy)
    assert list(c) == list(space.names)
    assert c["C"] == 0.3 and type(c["max_depth"]) is int and c["gamma"] == 0.5
    assert json.dumps(c) == json.dumps(space.canonical(dict(messy, C=0.3)))
    assert canonical_number(-0.0) == 0.0


def test_bound_off_by_one_ulp_is_inside(space):
    assert space.contains(dict(VALID, C=np.nextafter(2**-10, 0)))


def test_describe_zhang_style(space):
    lines = space.describe().splitlines()
    assert lines[0] == (
        "C, regularization parameter. Type: UniformFloat, Range: [0.0009765625, 1024.0], Default: 1.0, on log-scale"
    )
    assert lines[2] == "max_depth, Type: UniformInteger, Range: [1, 50], Default: 10, on log-scale"
    assert lines[3] == "depth, Type: UniformInteger, Range: [1, 3], Default: 3"
    assert "Choices: {'rbf', 'linear', 'poly'}" in lines[4]


def test_describe_json_style(space):
    text = space.describe("json")
    body = json.loads(text[: text.index("}") + 1])
    assert body["C"] == [0.0009765625, 1024.0] and body["width"] == [16, 25, 40, 64]
    assert "On log-scale: C, max_depth, gamma." in text
    with pytest.raises(UserError):
        space.describe("yaml")


def test_json_schema(space):
    schema = space.to_json_schema()
    assert schema["required"] == list(space.names) and schema["additionalProperties"] is False
    assert schema["properties"]["C"] == {"type": "number", "minimum": 2**-10, "maximum": 1024.0}
    assert schema["properties"]["depth"]["type"] == "integer"
    assert schema["properties"]["shrinking"] == {"enum": [True, False]}
    json.dumps(schema)


def test_skopt_round_trip(space):
    from skopt.space import Space

    dims = space.to_skopt()
    assert dims[0].prior == "log-uniform" and dims[2].prior == "log-uniform"
    points = Space(dims).rvs(n_samples=20, random_state=1)
    for point in points:
        config = space.from_skopt(point)
        assert space.contains(config)
        assert all(not isinstance(v, np.generic) for v in config.values())


def test_optuna_distributions(space):
    import optuna

    dists = space.to_optuna()
    assert dists["C"].log and dists["max_depth"].log and not dists["frac"].log
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    trial = study.ask(dists)
    assert space.contains(space.decode(trial.params))


def test_ordinals_are_integer_indices_for_skopt_and_optuna(space):
    """An ordinal is one ordered integer dimension for model-based optimizers (never one-hot
    categories), and maps back to the exact grid value."""
    from optuna.distributions import CategoricalDistribution, IntDistribution
    from skopt.space import Integer, Space

    dims = dict(zip(space.names, space.to_skopt(), strict=True))
    assert isinstance(dims["gamma"], Integer) and dims["gamma"].bounds == (0, len(LOG_GRID) - 1)
    assert isinstance(dims["width"], Integer) and dims["width"].bounds == (0, 3)
    assert Space([dims["gamma"]]).transformed_n_dims == 1  # a Categorical over 21 values would be 21 columns
    dists = space.to_optuna()
    assert dists["gamma"] == IntDistribution(0, len(LOG_GRID) - 1) and dists["width"] == IntDistribution(0, 3)
    assert isinstance(space.to_optuna(ordinal_index=False)["width"], CategoricalDistribution)
    for i, g in enumerate(LOG_GRID):
        config = dict(VALID, gamma=g)
        point = space.to_skopt_point(config)
        assert point[space.names.index("gamma")] == i
        back = space.from_skopt(point)
        assert back["gamma"] == g and type(back["gamma"]) is float
        assert space.decode(space.encode(config)) == config
    assert space.decode(dict(space.encode(VALID), width=np.int64(2)))["width"] == 40


def test_nn_tab_ordinals_for_gp_and_tpe():
    """On nn-tab the GP searches 5 ordered dimensions (it had 43 one-hot ones) and every proposal of
    GP and TPE is an exact grid value."""
    from skopt.space import Space

    from llmhpo.harness import optimizers
    from llmhpo.harness.benchmarks import load
    from llmhpo.harness.optimizers.ask_tell import validation_only

    bench = load("nn-tab/credit-g")
    assert Space(bench.space.to_skopt()).transformed_n_dims == len(bench.space.params) == 5
    for name in ("gp", "tpe"):
        opt = optimizers.create(name, space=bench.space, seed=0, budget=8, task=bench)
        for _ in range(8):
            config = opt.ask().config
            bench.space.validate(config)
            assert all(config[p.name] in p.values for p in bench.space.params)
            opt.tell(config, validation_only(bench.evaluate(config, 0)))


def test_dict_round_trip(space):
    d = json.loads(json.dumps(space.to_dict()))
    assert SearchSpace.from_dict(d) == space
    with pytest.raises(UserError):
        SearchSpace.from_dict({"params": [{"type": "weird", "name": "x"}]})


def test_from_configspace():
    cs_mod = pytest.importorskip("ConfigSpace")
    cs = cs_mod.ConfigurationSpace(
        {
            "C": cs_mod.Float("C", (2**-10, 2**10), log=True, default=1.0),
            "depth": cs_mod.Integer("depth", (1, 3), default=3),
            "kernel": cs_mod.Categorical("kernel", ["rbf", "linear"], default="linear"),
            "grid": cs_mod.OrdinalHyperparameter("grid", [1, 2, 4]),
            "subsample": cs_mod.Constant("subsample", 1.0),
        }
    )
    space = SearchSpace.from_configspace(cs)
    assert set(space.names) == {"C", "depth", "kernel", "grid"}
    assert space.fixed == {"subsample": 1.0}
    assert space["C"].log and space["kernel"].default == "linear" and space["grid"].values == (1, 2, 4)


def test_configspace_export_round_trips(space):
    cs_mod = pytest.importorskip("ConfigSpace")
    fixed = SearchSpace(list(space.params), fixed={"subsample": 1.0, "loss": "hinge", "n": 3})
    cs = fixed.to_configspace(seed=1)
    by_name = {hp.name: hp for hp in cs.values()}
    assert by_name["C"].log and not by_name["frac"].log and by_name["max_depth"].log
    assert isinstance(by_name["max_depth"], cs_mod.UniformIntegerHyperparameter)
    assert isinstance(by_name["gamma"], cs_mod.OrdinalHyperparameter) and by_name["gamma"].meta["log"] is True
    assert isinstance(by_name["kernel"], cs_mod.CategoricalHyperparameter)
    assert isinstance(by_name["subsample"], cs_mod.Constant) and by_name["loss"].value == "hinge"
    back = SearchSpace.from_configspace(cs)
    assert back == fixed and back.names == space.names  # order, log ordinals, meanings and defaults kept
    assert back.fixed == {"subsample": 1.0, "loss": "hinge", "n": 3}
    assert back["C"].meaning == "regularization parameter"
    for config in cs.sample_configuration(20):
        values = {k: v.item() if hasattr(v, "item") else v for k, v in dict(config).items() if k in space.names}
        space.validate(values)


def test_configspace_export_refuses_choices_it_would_merge():
    pytest.importorskip("ConfigSpace")
    with pytest.raises(UserError, match="ConfigSpace cannot tell apart the choices"):
        SearchSpace([Categorical("flag", (True, 1, "a"))]).to_configspace()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Float("x", 1.0, 1.0),
        lambda: Float("x", 0.0, 1.0, log=True),
        lambda: Float("x", 0.0, 1.0, default=2.0),
        lambda: Int("x", 1, 5, default=2.5),
        lambda: Categorical("x", ()),
        lambda: Categorical("x", ("a", "a")),
        lambda: Ordinal("x", (0, 1, 2), log=True),
        lambda: SearchSpace([Float("x", 0, 1), Int("x", 0, 3)]),
    ],
)
def test_bad_definitions_raise_user_error(make):
    with pytest.raises(UserError):
        make()


def test_cardinality():
    grid = SearchSpace([Ordinal("a", (1, 2, 3)), Int("b", 1, 4), Categorical("c", ("x", "y"))])
    assert grid.cardinality() == 24
    assert SearchSpace([Float("x", 0, 1)]).cardinality() is None

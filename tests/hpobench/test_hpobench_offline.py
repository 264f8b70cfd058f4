"""HPOBench pieces that need no HPOBench environment: the offline OpenML cache, the version-neutral
space form, where the environment lives, and the refusals that come before any worker starts."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from llmhpo.harness.benchmarks import load, names
from llmhpo.harness.benchmarks.ml_data import DATASETS, read_table, split_rows
from llmhpo.harness.cli import main
from llmhpo.harness.errors import UserError
from llmhpo.harness.hpobench.env import HOME_ENV, HPOBenchHome
from llmhpo.harness.hpobench.openml_cache import write_all
from llmhpo.harness.space import SearchSpace

OML = "{http://openml.org/openml}"


def _splits(path: Path) -> tuple[list[int], list[int]]:
    rows = path.read_text().split("@DATA\n", 1)[1].split()
    train = [int(r.split(",")[1]) for r in rows if r.startswith("TRAIN")]
    test = [int(r.split(",")[1]) for r in rows if r.startswith("TEST")]
    return train, test


@pytest.mark.slow
def test_openml_cache_holds_the_projects_rows_in_the_projects_order(tmp_path):
    assert write_all(tmp_path) == 6 * len(DATASETS)
    www = tmp_path / "org" / "openml" / "www"
    for key in ("credit-g", "vehicle"):
        info = DATASETS[key]
        frame, labels = read_table(key)
        classes = sorted(labels.unique())
        y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy()
        rest, test, _, _ = split_rows(y)
        train_rows, test_rows = _splits(www / "tasks" / str(info.task_id) / "datasplits.arff")
        assert train_rows == rest.tolist() and test_rows == test.tolist()  # order decides HPOBench's valid split
        ddir = www / "datasets" / str(info.openml_id)
        arff = (ddir / "dataset.arff").read_text()
        assert len(arff.split("@DATA\n", 1)[1].splitlines()) == len(frame)
        assert arff.count("@ATTRIBUTE") == frame.shape[1] + 1
        desc = ET.parse(ddir / "description.xml").getroot()
        assert desc.find(f"{OML}md5_checksum").text == hashlib.md5(arff.encode()).hexdigest()
        target = [f for f in ET.parse(ddir / "features.xml").getroot() if f.find(f"{OML}name").text == info.target]
        assert [v.text for v in target[0].findall(f"{OML}nominal_value")] == classes
        nominal = {f.find(f"{OML}name").text for f in ET.parse(ddir / "features.xml").getroot()
                   if f.find(f"{OML}data_type").text == "nominal"}
        assert nominal == set(info.nominal) | {info.target}


def test_openml_cache_is_idempotent_and_drops_derived_files_on_change(tmp_path):
    write_all(tmp_path)
    assert write_all(tmp_path) == 0
    ddir = tmp_path / "org" / "openml" / "www" / "datasets" / str(DATASETS["kc1"].openml_id)
    derived = ddir / "train_x.parquet.gzip"
    derived.write_bytes(b"HPOBench's split, derived from the old files")
    (ddir / "features.xml").write_text("<broken/>")
    assert write_all(tmp_path) == 1
    assert not derived.exists() and "oml:data_features" in (ddir / "features.xml").read_text()


def test_configspace_json_gives_the_same_space_as_configspace():
    cs_mod = pytest.importorskip("ConfigSpace")
    from llmhpo.harness.space_json import configspace_to_json

    cs = cs_mod.ConfigurationSpace({
        "eta": cs_mod.Float("eta", (2**-10, 1.0), log=True, default=0.3),
        "max_depth": cs_mod.Integer("max_depth", (1, 50), log=True, default=10),
        "booster": cs_mod.Categorical("booster", ["gbtree", "dart"]),
        "n": cs_mod.Constant("n", 2000),
    })
    d = configspace_to_json(cs)
    assert [h["type"] for h in d["hyperparameters"]] == ["categorical", "float", "int", "constant"]
    space = SearchSpace.from_configspace_json(d)
    assert space == SearchSpace.from_configspace(cs) and space.fixed == {"n": 2000}
    assert space["eta"].log and space["max_depth"].default == 10
    with pytest.raises(UserError, match="conditions"):
        SearchSpace.from_configspace_json({**d, "conditions": ["booster | n == 1"]})
    with pytest.raises(UserError, match="unsupported"):
        SearchSpace.from_configspace_json({"hyperparameters": [{"name": "x", "type": "unsupported",
                                                                "class": "NormalFloatHyperparameter"}]})


def test_home_flag_beats_env_beats_default(tmp_path, monkeypatch):
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "env"))
    assert HPOBenchHome.resolve().root == tmp_path / "env"
    assert HPOBenchHome.resolve(tmp_path / "flag").root == tmp_path / "flag"
    monkeypatch.delenv(HOME_ENV)
    assert HPOBenchHome.resolve().root.name == "hpobench"


def _one_line_exit_2(argv: list[str], capsys) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("llmhpo: error: ") and err.count("\n") == 1, err
    return err


def test_without_setup_nothing_is_listed_and_loading_says_what_to_run(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    assert not any(n.startswith("hpobench") for n in names())
    with pytest.raises(UserError, match="llmhpo hpobench setup"):
        load("hpobench-fixed/svm/31")
    assert "llmhpo hpobench setup" in _one_line_exit_2(["eval", "hpobench/svm/31"], capsys)
    assert main(["hpobench", "status"]) == 1
    assert str(tmp_path) in capsys.readouterr().out


def test_unknown_task_ids_and_models_are_refused_at_load(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(HOME_ENV, str(tmp_path))
    err = _one_line_exit_2(["eval", "hpobench/svm/3945"], capsys)
    assert "unknown task id '3945'" in err and "31 (credit-g)" in err and "3917 (kc1)" in err
    assert "known: svm, lr, rf, xgb, nn" in _one_line_exit_2(["eval", "hpobench-fixed/mlp/31"], capsys)
    with pytest.raises(UserError, match="unknown benchmark"):
        load("hpobench/svm")


def test_setup_refuses_bad_source_and_python_before_building(tmp_path, capsys):
    home = tmp_path / "home"
    err = _one_line_exit_2(["hpobench", "setup", "--home", str(home), "--source", str(tmp_path / "nope.tar.gz")],
                           capsys)
    assert "no such file" in err
    assert "cannot be run" in _one_line_exit_2(
        ["hpobench", "setup", "--home", str(home), "--python", str(tmp_path / "python9")], capsys)
    assert not (home / "venv").exists()


def test_split_rows_is_what_load_splits_uses():
    from llmhpo.harness.benchmarks.ml_data import load_splits

    _, labels = read_table("australian")
    y = labels.map({c: i for i, c in enumerate(sorted(labels.unique()))}).to_numpy()
    _, test, train, valid = split_rows(y)
    d = load_splits("australian")
    assert np.array_equal(d.y_test, y[test]) and np.array_equal(d.y_train, y[train])
    assert np.array_equal(d.y_valid, y[valid])

"""An offline OpenML cache for HPOBench, written from the project's bundled CSVs.

HPOBench's data manager asks openml for the task and the dataset before it reads its own splits,
so it needs openml's on-disk cache: per task `task.xml` and `datasplits.arff`, per dataset
`description.xml`, `features.xml`, `qualities.xml` and `dataset.arff` (the layout openml 0.12.2
reads). The fold-0 TEST rows are the project's test rows and the TRAIN rows are the project's
train+valid rows in the order its validation split saw them, so HPOBench's own stratified
validation split (seed 1) selects the same rows as `svm/<dataset>` etc. The URLs point nowhere
(`offline://`): every file they would fetch is already present, and openml only downloads what
is missing.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from llmhpo.cache.atomic import write_text_atomic
from llmhpo.harness.benchmarks.ml_data import DATASETS, read_table, split_rows

OML = 'xmlns:oml="http://openml.org/openml"'


def task_ids() -> dict[int, str]:
    """OpenML task id -> bundled dataset key."""
    return {info.task_id: key for key, info in DATASETS.items()}


def _arff_value(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if isinstance(value, (bool, np.bool_)):
        return _quote(str(bool(value)))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return _quote(str(value))


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _nominal_values(series: object) -> list[str]:
    return sorted({str(v) for v in series})  # type: ignore[attr-defined]


def _dataset_arff(name: str, columns: list[tuple[str, list[str] | None]], rows: list[list[object]]) -> str:
    out = [f"@RELATION {_quote(name)}", ""]
    for col, nominal in columns:
        kind = "NUMERIC" if nominal is None else "{" + ",".join(_quote(v) for v in nominal) + "}"
        out.append(f"@ATTRIBUTE {_quote(col)} {kind}")
    out += ["", "@DATA"]
    out += [",".join(_arff_value(v) for v in row) for row in rows]
    return "\n".join(out) + "\n"


def _features_xml(columns: list[tuple[str, list[str] | None]], target: str, missing: list[int]) -> str:
    feats = []
    for i, (col, nominal) in enumerate(columns):
        values = "".join(f"<oml:nominal_value>{escape(v)}</oml:nominal_value>" for v in nominal or [])
        feats.append(
            f"<oml:feature><oml:index>{i}</oml:index><oml:name>{escape(col)}</oml:name>"
            f"<oml:data_type>{'numeric' if nominal is None else 'nominal'}</oml:data_type>{values}"
            f"<oml:is_target>{str(col == target).lower()}</oml:is_target><oml:is_ignore>false</oml:is_ignore>"
            f"<oml:is_row_identifier>false</oml:is_row_identifier>"
            f"<oml:number_of_missing_values>{missing[i]}</oml:number_of_missing_values></oml:feature>"
        )
    return f"<oml:data_features {OML}>{''.join(feats)}</oml:data_features>\n"


def _qualities_xml(n_rows: int, n_features: int, n_classes: int) -> str:
    items = {"NumberOfInstances": n_rows, "NumberOfFeatures": n_features, "NumberOfClasses": n_classes}
    body = "".join(f"<oml:quality><oml:name>{k}</oml:name><oml:value>{v}</oml:value></oml:quality>"
                   for k, v in items.items())
    return f"<oml:data_qualities {OML}>{body}</oml:data_qualities>\n"


def _description_xml(did: int, name: str, target: str, md5: str, about: str) -> str:
    return (
        f"<oml:data_set_description {OML}><oml:id>{did}</oml:id><oml:name>{escape(name)}</oml:name>"
        f"<oml:version>1</oml:version><oml:description>{escape(about)} (written offline by llmhpo from its "
        f"bundled copy)</oml:description><oml:format>ARFF</oml:format>"
        f"<oml:url>offline://llmhpo/datasets/{did}/dataset.arff</oml:url>"
        f"<oml:default_target_attribute>{escape(target)}</oml:default_target_attribute>"
        f"<oml:visibility>public</oml:visibility><oml:status>active</oml:status>"
        f"<oml:md5_checksum>{md5}</oml:md5_checksum></oml:data_set_description>\n"
    )


def _task_xml(tid: int, did: int, name: str, target: str) -> str:
    return (
        f"<oml:task {OML}><oml:task_id>{tid}</oml:task_id><oml:task_name>Task {tid}: {escape(name)}</oml:task_name>"
        "<oml:task_type_id>1</oml:task_type_id><oml:task_type>Supervised Classification</oml:task_type>"
        f'<oml:input name="source_data"><oml:data_set><oml:data_set_id>{did}</oml:data_set_id>'
        f"<oml:target_feature>{escape(target)}</oml:target_feature></oml:data_set></oml:input>"
        '<oml:input name="estimation_procedure"><oml:estimation_procedure><oml:id>0</oml:id>'
        "<oml:type>holdout</oml:type>"
        f"<oml:data_splits_url>offline://llmhpo/tasks/{tid}/datasplits.arff</oml:data_splits_url>"
        '<oml:parameter name="number_repeats">1</oml:parameter><oml:parameter name="number_folds">1</oml:parameter>'
        '<oml:parameter name="percentage">10</oml:parameter><oml:parameter name="stratified_sampling">true</oml:parameter>'
        "</oml:estimation_procedure></oml:input>"
        '<oml:input name="evaluation_measures"><oml:evaluation_measures>'
        "<oml:evaluation_measure>predictive_accuracy</oml:evaluation_measure></oml:evaluation_measures></oml:input>"
        "</oml:task>\n"
    )


def _splits_arff(name: str, rest: np.ndarray, test: np.ndarray) -> str:
    head = [f"@RELATION {_quote(name + '_splits')}", "", "@ATTRIBUTE type {TRAIN,TEST}",
            "@ATTRIBUTE rowid NUMERIC", "@ATTRIBUTE repeat NUMERIC", "@ATTRIBUTE fold NUMERIC", "", "@DATA"]
    rows = [f"TRAIN,{int(i)},0,0" for i in rest] + [f"TEST,{int(i)},0,0" for i in test]
    return "\n".join(head + rows) + "\n"


def write_dataset(root: Path, dataset: str) -> list[Path]:
    """Write one task's and its dataset's cache files under `root` (openml's cache directory)
    where they differ; returns the files written."""
    info = DATASETS[dataset]
    frame, labels = read_table(dataset)
    classes = sorted(labels.unique())
    y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64)
    rest, test, _, _ = split_rows(y)

    columns: list[tuple[str, list[str] | None]] = [
        (c, _nominal_values(frame[c]) if c in info.nominal else None) for c in frame.columns]
    columns.append((info.target, list(classes)))
    table = frame.assign(**{info.target: labels})
    rows = table.astype(object).where(table.notna(), None).values.tolist()
    missing = [int(n) for n in table.isna().sum()]
    name = Path(info.file).stem
    arff = _dataset_arff(name, columns, rows)

    base = root / "org" / "openml" / "www"
    ddir, tdir = base / "datasets" / str(info.openml_id), base / "tasks" / str(info.task_id)
    files = {
        ddir / "dataset.arff": arff,
        ddir / "description.xml": _description_xml(
            info.openml_id, name, info.target, hashlib.md5(arff.encode()).hexdigest(), info.about),
        ddir / "features.xml": _features_xml(columns, info.target, missing),
        ddir / "qualities.xml": _qualities_xml(len(y), frame.shape[1], len(classes)),
        tdir / "task.xml": _task_xml(info.task_id, info.openml_id, name, info.target),
        tdir / "datasplits.arff": _splits_arff(name, rest, test),
    }
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if changed:  # openml's pickles and HPOBench's parquet splits derive from these files: drop them
        for stale in [*ddir.glob("*.parquet.gzip"), *ddir.glob("*.pkl*"), *ddir.glob("*.pq"), *tdir.glob("*.pkl*")]:
            stale.unlink()
    for path in changed:
        write_text_atomic(path, files[path])
    return changed


def write_all(root: Path) -> int:
    """Write the cache for all 8 bundled datasets; returns how many files changed (0 when up to date)."""
    return sum(len(write_dataset(root, dataset)) for dataset in DATASETS)

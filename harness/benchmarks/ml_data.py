"""The 8 bundled OpenML datasets: loading, fixed splits and HPOBench-style preprocessing.

Splits follow HPOBench (hpobench-facts §2) as closely as an offline copy allows: a stratified 10%
test split (OpenML's fold-0 indices are not available offline, so a stratified split with seed
TEST_SPLIT_SEED stands in for it), then a stratified 33% validation split of the rest with
HPOBench's global seed 1. Categorical columns are most-frequent imputed and one-hot encoded,
numeric columns median imputed and standardized, all fit on the train split only; labels are
integer-encoded (sorted label strings) because current sklearn/xgboost reject string targets.
Prepared splits are cached per process: worker processes load benchmarks by name, repeatedly.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

TEST_SPLIT_SEED = 0  # stands in for OpenML task fold 0
VALID_SPLIT_SEED = 1  # HPOBench global_seed
TEST_SIZE = 0.1
VALID_SIZE = 0.33
# the preprocessing, read by load_splits and by the prompts' description (data_text): one source
CATEGORICAL_IMPUTE = "most_frequent"
NUMERIC_IMPUTE = "median"
IMPUTE_WORDS = {"most_frequent": "the most frequent value", "median": "the median"}


@dataclass(frozen=True)
class DatasetInfo:
    file: str
    target: str
    task_id: int
    openml_id: int
    about: str
    nominal: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


DATASETS: dict[str, DatasetInfo] = {
    "blood-transfusion": DatasetInfo(
        "blood-transfusion-service-center.csv", "Class", 10101, 1464,
        "blood donors of a Taiwanese transfusion service; predict whether a donor gave blood in March 2007",
    ),
    "vehicle": DatasetInfo(
        "vehicle.csv", "Class", 53, 54, "silhouette shape features; classify the vehicle type (bus, opel, saab, van)"
    ),
    "australian": DatasetInfo(
        "Australian.csv", "A15", 146818, 40981, "anonymized credit card applications; predict approval",
        nominal=("A1", "A4", "A5", "A6", "A8", "A9", "A11", "A12"),
    ),
    "car": DatasetInfo(
        "car.csv", "class", 146821, 40975, "car attributes; predict the acceptability class",
        nominal=("buying", "maint", "doors", "persons", "lug_boot", "safety"),
    ),
    "phoneme": DatasetInfo(
        "phoneme.csv", "Class", 9952, 1489, "standardized speech harmonics; classify nasal vs oral vowels"
    ),
    "segment": DatasetInfo(
        "segment.csv", "class", 146822, 40984, "outdoor image region features; classify the region (7 classes)",
        ignore=("region-centroid-col", "region-centroid-row", "region-pixel-count"),
    ),
    "credit-g": DatasetInfo(
        "credit-g.csv", "class", 31, 31, "German bank customers; predict good or bad credit risk",
        nominal=(
            "checking_status", "credit_history", "purpose", "savings_status", "employment", "personal_status",
            "other_parties", "property_magnitude", "other_payment_plans", "housing", "job", "own_telephone",
            "foreign_worker",
        ),
    ),
    "kc1": DatasetInfo(
        "kc1.csv", "defects", 3917, 1067, "NASA software module code metrics; predict whether a module has defects"
    ),
}


@dataclass(frozen=True)
class Splits:
    """Preprocessed arrays (one-hot columns first, as in HPOBench) and dataset facts for prompts."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_valid: np.ndarray
    y_valid: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    n_rows: int
    n_raw_features: int
    classes: tuple[str, ...]

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])

    @property
    def lower_bound_train_size(self) -> float:
        """HPOBench's smallest subsample fraction: 10 rows per class, at least 1/512."""
        return max(10 * self.n_classes / len(self.y_train), 1 / 512)


@dataclass(frozen=True)
class Facts:
    """What prompts say about a dataset, read without pandas or sklearn (a replay that never trains
    must not pay seconds of imports for three numbers); equal to the `Splits` fields of that name."""

    n_rows: int
    n_raw_features: int
    n_classes: int
    n_nominal: int = 0  # categorical features (one-hot encoded)
    n_encoded: int = 0  # input columns after one-hot encoding (= Splits.n_features)
    n_missing: int = 0  # missing feature cells ("" or "?")

    @property
    def n_numeric(self) -> int:
        return self.n_raw_features - self.n_nominal

    def split_sizes(self) -> tuple[int, int, int]:
        """(train, valid, test) rows, by train_test_split's rule (test = ceil(size * n))."""
        test = math.ceil(TEST_SIZE * self.n_rows)
        valid = math.ceil(VALID_SIZE * (self.n_rows - test))
        return self.n_rows - test - valid, valid, test


MISSING = ("", "?")  # the cells read_table reads as missing


@functools.cache
def dataset_facts(dataset: str) -> Facts:
    import csv

    info = DATASETS[dataset]
    with resources.files("llmhpo.harness.benchmarks").joinpath("data", info.file).open("r", encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [row for row in reader if row]
    target = header.index(info.target)
    labels = [row[target] for row in rows]
    features = [i for i, c in enumerate(header) if i != target and c not in info.ignore]
    nominal = [i for i in features if header[i] in info.nominal]
    categories = sum(len({row[i] for row in rows} - set(MISSING)) for i in nominal)
    return Facts(n_rows=len(labels), n_raw_features=len(features), n_classes=len(set(labels)), n_nominal=len(nominal),
                 n_encoded=categories + len(features) - len(nominal),
                 n_missing=sum(row[i] in MISSING for row in rows for i in features))


def hpobench_split(task_id: int) -> str:
    """The split sentence of HPOBench's own runs (its tables and `hpobench/...`): OpenML's test rows."""
    return f"OpenML task {task_id}'s test split held out, then {VALID_SIZE:.0%} of the rest for validation"


def data_text(dataset: str, split: str | None = None) -> str:
    """What the prompt says about the data pipeline, from the constants load_splits uses; `split`
    replaces the sentence on the split (HPOBench's own runs use OpenML's test split)."""
    f = dataset_facts(dataset)
    train, valid, test = f.split_sizes()
    parts = [f"{f.n_nominal} categorical features one-hot encoded"] if f.n_nominal else []
    if f.n_numeric:
        parts.append(f"{f.n_numeric} numeric features standardized (zero mean, unit variance)")
    missing = (f"{f.n_missing} missing values, set to {IMPUTE_WORDS[CATEGORICAL_IMPUTE]} (categorical) or "
               f"{IMPUTE_WORDS[NUMERIC_IMPUTE]} (numeric)") if f.n_missing else "no missing values"
    split = split or (f"stratified, {TEST_SIZE:.0%} of the rows held out for testing, then {VALID_SIZE:.0%} of the "
                      f"rest for validation: {train} training rows, {valid} validation rows")
    return (f"Preprocessing, fitted on the training rows: {', '.join(parts)}; {f.n_encoded} input columns; "
            f"{missing}. Split: {split}.")


def read_table(dataset: str) -> tuple[pd.DataFrame, pd.Series]:
    """The bundled CSV as features (ignored columns dropped, nominal columns as str) and str labels."""
    import pandas as pd

    info = DATASETS[dataset]
    with resources.files("llmhpo.harness.benchmarks").joinpath("data", info.file).open("r", encoding="utf-8") as fh:
        # "none" is a real credit-g category; only empty cells and "?" are missing values.
        frame = pd.read_csv(fh, keep_default_na=False, na_values=["", "?"])
    frame = frame.drop(columns=list(info.ignore))
    labels = frame.pop(info.target).astype(str)
    nominal = [c for c in frame.columns if c in info.nominal]
    frame[nominal] = frame[nominal].astype(str)
    return frame, labels


def split_rows(y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Row indices (rest, test, train, valid); `rest` in the order the validation split saw it.

    The offline OpenML cache for HPOBench writes `test` as fold-0 TEST rows and `rest` as TRAIN
    rows in this order, so HPOBench's own validation split picks the same rows.
    """
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(y))
    rest, test = train_test_split(idx, test_size=TEST_SIZE, shuffle=True, stratify=y, random_state=TEST_SPLIT_SEED)
    train, valid = train_test_split(
        rest, test_size=VALID_SIZE, shuffle=True, stratify=y[rest], random_state=VALID_SPLIT_SEED
    )
    return rest, test, train, valid


@functools.cache
def load_splits(dataset: str) -> Splits:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    info = DATASETS[dataset]
    frame, labels = read_table(dataset)
    classes = tuple(sorted(labels.unique()))
    y = labels.map({c: i for i, c in enumerate(classes)}).to_numpy(dtype=np.int64)
    nominal = [c for c in frame.columns if c in info.nominal]
    numeric = [c for c in frame.columns if c not in info.nominal]
    _, test, train, valid = split_rows(y)
    prep = ColumnTransformer(
        [
            ("cat", make_pipeline(SimpleImputer(strategy=CATEGORICAL_IMPUTE),
                                  OneHotEncoder(sparse_output=False, handle_unknown="ignore")), nominal),
            ("cont", make_pipeline(SimpleImputer(strategy=NUMERIC_IMPUTE), StandardScaler()), numeric),
        ]
    )
    x_train = prep.fit_transform(frame.iloc[train]).astype(np.float64)

    def tf(rows: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(prep.transform(frame.iloc[rows]), dtype=np.float64)

    return Splits(
        x_train=np.ascontiguousarray(x_train), y_train=y[train],
        x_valid=tf(valid), y_valid=y[valid], x_test=tf(test), y_test=y[test],
        n_classes=len(classes), n_rows=len(y), n_raw_features=frame.shape[1], classes=classes,
    )

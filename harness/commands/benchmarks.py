"""PLACEHOLDER (session scaffolding): replaced by the real `benchmarks` command module."""


def register(sub) -> None:  # noqa: ANN001
    pass

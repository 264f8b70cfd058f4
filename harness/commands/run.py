"""PLACEHOLDER (session scaffolding): replaced by the real `run` command module."""


def register(sub) -> None:  # noqa: ANN001
    pass

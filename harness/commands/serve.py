"""PLACEHOLDER (session scaffolding): replaced by the real `serve` command module."""


def register(sub) -> None:  # noqa: ANN001
    pass

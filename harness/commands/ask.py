"""PLACEHOLDER (session scaffolding): replaced by the real `ask` command module."""


def register(sub) -> None:  # noqa: ANN001
    pass

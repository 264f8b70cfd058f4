"""PLACEHOLDER (session scaffolding): replaced by the real `cache` command module."""


def register(sub) -> None:  # noqa: ANN001
    pass

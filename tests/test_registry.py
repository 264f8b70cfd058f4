"""The one registry helper (llmhpo/registry.py): the three registries have the same shape and raise
the same error type, each as its own layer's user error."""

from __future__ import annotations

import pytest

from llmhpo.gateway import ConfigurationError, providers
from llmhpo.harness import benchmarks, optimizers
from llmhpo.harness.errors import UserError
from llmhpo.registry import Registry, RegistryError, suggest


class Base:
    pass


class Child(Base):
    pass


def test_a_registry_resolves_lazily_and_refuses_clearly() -> None:
    entries: dict[str, str | type[Base]] = {"json": "json:JSONDecoder"}
    reg: Registry[Base] = Registry("codec", entries, Base, forbidden="/")
    assert reg.names() == ["json"] and "json" in reg and reg.built_in == {"json"}
    with pytest.raises(TypeError, match="codec 'json': 'json:JSONDecoder' is not a Base subclass"):
        reg.resolve("json")  # imported only now, and checked
    reg.register("child", Child)
    assert reg.resolve("child") is Child and entries["child"] is Child  # the module's own table holds it
    with pytest.raises(RegistryError, match=r"^codec 'child' is already registered"):
        reg.register("child", Child)
    with pytest.raises(RegistryError, match="without '/'"):
        reg.register("a/b", Child)
    with pytest.raises(RegistryError, match="module:Class"):
        reg.register("other", "json")
    with pytest.raises(RegistryError, match="not a Base subclass"):
        reg.register("other", int)  # type: ignore[arg-type]
    with pytest.raises(RegistryError, match=r"^unknown codec 'chlid' \(did you mean 'child'\?\); valid codecs: child, json$"):
        reg.resolve("chlid")
    reg.unregister("json")  # built in: stays
    reg.unregister("child")
    reg.unregister("never-registered")
    assert reg.names() == ["json"]
    assert suggest("gpp", ["gp", "tpe"]) == " (did you mean 'gp'?)" and suggest("zzz", ["gp"]) == ""


@pytest.mark.parametrize(("unknown", "error"), [
    (lambda: optimizers.plugin_class("randon"), UserError),
    (lambda: benchmarks.family_class("tyo"), UserError),
    (lambda: providers.prefix_of("opneai/gpt-4o"), ConfigurationError),
])
def test_the_three_registries_raise_one_error_type_as_their_layers_user_error(unknown, error) -> None:
    with pytest.raises(RegistryError, match=r"^unknown .* \(did you mean '\w+'\?\); valid ") as caught:
        unknown()
    assert isinstance(caught.value, error)


@pytest.mark.parametrize(("register", "unregister", "target"), [
    (optimizers.register, optimizers.unregister, "tests.plugins.hill_climb:HillClimb"),
    (benchmarks.register, benchmarks.unregister, "tests.plugins.bowl_family:Bowl"),
    (providers.register, providers.unregister, "tests.plugins.echo_provider:EchoProvider"),
])
def test_the_three_registries_have_the_same_shape(register, unregister, target) -> None:
    register("plugin", target)
    try:
        with pytest.raises(RegistryError, match="'plugin' is already registered"):
            register("plugin", target)
    finally:
        unregister("plugin")
    register("plugin", target)  # unregister forgot it
    unregister("plugin")

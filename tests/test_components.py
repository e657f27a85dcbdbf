"""The one registry mechanism: order, enable/disable from settings, clear errors."""

import pytest

from inboxmine.components import Registry, UnknownComponent, chosen_for
from inboxmine.config import Settings


def make() -> Registry[str]:
    registry: Registry[str] = Registry("widgets")
    registry.register("second", "B", order=20)
    registry.register("first", "A", order=10)

    @registry.add("third", order=30)
    def third():  # the decorator form returns what it registers
        return "C"

    return registry


def test_components_come_in_their_order():
    assert make().names() == ["first", "second", "third"]


def test_settings_reorder_and_disable():
    enabled = make().enabled({"third": 5, "second": False})
    assert [c.name for c in enabled] == ["third", "first"]
    assert enabled[0].order == 5


def test_an_unknown_name_in_the_settings_names_the_nearest():
    with pytest.raises(UnknownComponent) as caught:
        make().enabled({"secnd": False})
    assert "'secnd'" in str(caught.value)
    assert "did you mean 'second'" in str(caught.value)
    assert "components.widgets" in str(caught.value)


def test_get_an_unknown_component():
    with pytest.raises(UnknownComponent, match="did you mean 'first'"):
        make().get("frist")


def test_settings_carry_components():
    settings = Settings(components={"widgets": {"first": False}})
    assert chosen_for(settings, "widgets") == {"first": False}
    assert chosen_for(settings, "other") == {}

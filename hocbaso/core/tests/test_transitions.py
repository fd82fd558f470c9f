"""The generic transition helper: tables built from choices, moves checked, refusals coded."""

from types import SimpleNamespace

import pytest
from django.db import models

from hocbaso.core.errors import Conflict
from hocbaso.core.transitions import IllegalTransition, Transitions


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"
    OFF = "off", "Off"


LIGHTS = Transitions.of(
    Light,
    {
        Light.RED: {Light.GREEN, Light.OFF},
        Light.GREEN: {Light.AMBER, Light.OFF},
        Light.AMBER: {Light.RED, Light.OFF},
        Light.OFF: set(),
    },
    code="light_state",
)


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        ("red", "green", True),
        ("green", "amber", True),
        ("amber", "red", True),
        ("amber", "off", True),
        ("red", "amber", False),
        ("green", "red", False),
        ("red", "red", False),
        ("off", "red", False),
        ("off", "off", False),
    ],
)
def test_allows_follows_the_table(current, target, allowed):
    assert LIGHTS.allows(current, target) is allowed


def test_sources_are_the_states_that_reach_a_target():
    assert LIGHTS.sources(Light.OFF) == {"red", "green", "amber"}
    assert LIGHTS.sources(Light.RED) == {"amber"}


def test_move_sets_the_state_and_refuses_with_the_table_code_and_labels():
    light = SimpleNamespace(state="red")
    LIGHTS.move(light, Light.GREEN)
    assert light.state == "green"
    with pytest.raises(IllegalTransition) as refused:
        LIGHTS.move(light, Light.RED)
    assert light.state == "green"
    error = refused.value
    assert isinstance(error, Conflict)
    assert (error.code, error.current, error.target, error.status) == ("light_state", "green", "red", 409)
    assert "Green" in str(error.message) and "Red" in str(error.message)


def test_move_on_another_attribute():
    version = SimpleNamespace(status="amber")
    LIGHTS.move(version, Light.RED, attribute="status")
    assert version.status == "red"


@pytest.mark.parametrize(
    "table",
    [
        {Light.RED: {Light.GREEN}, Light.GREEN: set(), Light.AMBER: set()},  # OFF missing
        {Light.RED: {"blue"}, Light.GREEN: set(), Light.AMBER: set(), Light.OFF: set()},  # unknown target
    ],
)
def test_a_table_must_name_every_state_and_only_those(table):
    with pytest.raises(ValueError, match="Light transitions"):
        Transitions.of(Light, table, code="light_state")

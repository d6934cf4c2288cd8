"""How sensors are shown: pretty names and order."""

from __future__ import annotations

from annobatch.model._base import Model


class CameraSettings(Model, kw_only=True):
    """A camera's image size in pixels."""

    width: int
    height: int


class SensorSpecification(Model, kw_only=True):
    """`sensor_to_pretty_name`: a display name per sensor; `sensor_order`: the order to show them."""

    sensor_to_pretty_name: dict[str, str] | None = None
    sensor_order: list[str] | None = None

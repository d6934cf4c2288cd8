"""Scene and frame metadata: flat key-value pairs."""

from __future__ import annotations

from typing import Any

ALLOWED = (int, float, str, bool)


class MetaDataBase(dict[str, Any]):
    """A flat mapping of str, int, float or bool values; anything else is refused when built."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            if value is not None and not isinstance(value, ALLOWED):
                raise ValueError(
                    f"Illegal Metadata value type for field '{key}'. Got '{type(value).__name__}', "
                    f"but expected one of {[t.__name__ for t in ALLOWED]}"
                )

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class MetaData(MetaDataBase):
    """A scene's metadata. `region` is reserved: where the data was collected."""

    @property
    def region(self) -> str | None:
        return self.get("region")


class FrameMetaData(MetaDataBase):
    """A sequence frame's metadata."""

"""Optional features of scene creation."""

from __future__ import annotations

from enum import Enum


class FeatureFlags:
    """The features a scene's creation turns on; the defaults turn on motion compensation,
    `FeatureFlags()` turns everything off."""

    class PointCloudFeatures(Enum):
        MOTION_COMPENSATION = "shouldMotionCompensate"

    def __init__(self, *flags: Enum) -> None:
        self.flags = set(flags)

    @staticmethod
    def defaults() -> FeatureFlags:
        return FeatureFlags(FeatureFlags.PointCloudFeatures.MOTION_COMPENSATION)

    def to_dict(self) -> dict[str, bool]:
        return {f.value: f in self.flags for f in FeatureFlags.PointCloudFeatures}

    def __repr__(self) -> str:
        return f"FeatureFlags({', '.join(sorted(f.name for f in self.flags))})"

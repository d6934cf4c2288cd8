"""Kept where the official client keeps its deprecated aliases (`kognic.io.model.input…`): the same
models as `annobatch.model.scene…`."""

from annobatch.model.scene.feature_flags import FeatureFlags
from annobatch.model.scene.feature_flags import FeatureFlags as SceneFeatureFlags

__all__ = [
    "FeatureFlags",
    "SceneFeatureFlags",
]

"""Kept where the official client once had it."""

from annobatch.model.scene.feature_flags import FeatureFlags

__all__ = ["FeatureFlags"]

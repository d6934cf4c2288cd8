"""The bodies of a scene query: by uuids, or by external ids."""

from __future__ import annotations

from annobatch.model._base import Model


class GetScenesRequestForUuids(Model, kw_only=True):
    scene_uuids: list[str]


class GetScenesRequestForExtIds(Model, kw_only=True):
    external_ids: list[str]


GetScenesRequest = GetScenesRequestForUuids | GetScenesRequestForExtIds

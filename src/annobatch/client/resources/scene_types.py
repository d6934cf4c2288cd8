"""`client.cameras`, `client.lidars_and_cameras`, … : creating a scene of one type, as the
official client names it, and placing a created scene in a batch."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from annobatch.client._creation import SceneCreator
from annobatch.client._progress import Progress, wanted
from annobatch.client._requester import Requester
from annobatch.client.resources._common import Ignored, body
from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.aggregated_lidars_and_cameras_seq import AggregatedLidarsAndCamerasSequence
from annobatch.model.scene.cameras import Cameras
from annobatch.model.scene.cameras_sequence import CamerasSequence
from annobatch.model.scene.feature_flags import FeatureFlags
from annobatch.model.scene.lidars import Lidars
from annobatch.model.scene.lidars_and_cameras import LidarsAndCameras
from annobatch.model.scene.lidars_and_cameras_sequence import LidarsAndCamerasSequence
from annobatch.model.scene.lidars_sequence import LidarsSequence
from annobatch.model.scene.scene_job import CreateSceneResponse
from annobatch.schemas import Envelope, Input, InputFromSceneRequest


def _warn_annotation_types(annotation_types: list[str] | None) -> None:
    if annotation_types:
        warnings.warn("annotation types are the batch's; this argument is ignored", FutureWarning, 3)


class SceneTypeResource:
    """Creates scenes of one type. `create(scene, project=None, batch=None, dryrun=False)` checks
    every local file first, then creates the scene (into `project`'s `batch`, or its open batch,
    or no project), uploads its files (streamed, several at once, retried, resumable: running the
    same creation again after an interruption sends only what the server does not hold) and
    commits it. Returns the scene's uuid (and its input's when created into a project); None for a
    dry run."""

    model: type[BaseScene] = BaseScene

    def __init__(
        self, requester: Requester, creator: SceneCreator, progress: Callable[[], bool | None]
    ) -> None:
        self._requester = requester
        self._creator = creator
        self._progress = progress

    def _create(
        self,
        scene: BaseScene,
        project: str | None,
        batch: str | None,
        annotation_types: list[str] | None,
        dryrun: bool,
        feature_flags: FeatureFlags | None,
    ) -> CreateSceneResponse | None:
        if not isinstance(scene, self.model):
            raise ValueError(f"Cannot create a {type(scene)} via this endpoint")
        _warn_annotation_types(annotation_types)
        with Progress(wanted(self._progress())) as progress:
            created = self._creator.create(scene, project, batch, dryrun, feature_flags, progress)
        return None if created is None else created.response

    def create_from_scene(
        self,
        scene_uuid: str,
        project: str,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
    ) -> list[Input] | None:
        """Place a created scene in `project`'s `batch` (or its open batch), starting from the
        scene's latest pre-annotation if it has one. None for a dry run."""
        _warn_annotation_types(annotation_types)
        request = body(InputFromSceneRequest(scene_uuid, project, batch))
        if dryrun:
            self._requester.call("POST", "/v1/inputs", Ignored, json=request, dry_run=True)
            return None
        return self._requester.call("POST", "/v1/inputs", Envelope[list[Input]], json=request).data


class CamerasResource(SceneTypeResource):
    model = Cameras

    def create(
        self,
        cameras: Cameras,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a cameras scene (see `SceneTypeResource`)."""
        return self._create(cameras, project, batch, annotation_types, dryrun, feature_flags)


class CamerasSequenceResource(SceneTypeResource):
    model = CamerasSequence

    def create(
        self,
        cameras_sequence: CamerasSequence,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a cameras sequence (see `SceneTypeResource`)."""
        return self._create(cameras_sequence, project, batch, annotation_types, dryrun, feature_flags)


class LidarsResource(SceneTypeResource):
    model = Lidars

    def create(
        self,
        lidars: Lidars,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a lidars scene (see `SceneTypeResource`)."""
        return self._create(lidars, project, batch, annotation_types, dryrun, feature_flags)


class LidarsSequenceResource(SceneTypeResource):
    model = LidarsSequence

    def create(
        self,
        lidars_sequence: LidarsSequence,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a lidars sequence (see `SceneTypeResource`)."""
        return self._create(lidars_sequence, project, batch, annotation_types, dryrun, feature_flags)


class LidarsAndCamerasResource(SceneTypeResource):
    model = LidarsAndCameras

    def create(
        self,
        lidars_and_cameras: LidarsAndCameras,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a lidars-and-cameras scene (see `SceneTypeResource`)."""
        return self._create(lidars_and_cameras, project, batch, annotation_types, dryrun, feature_flags)


class LidarsAndCamerasSequenceResource(SceneTypeResource):
    model = LidarsAndCamerasSequence

    def create(
        self,
        lidars_and_cameras_sequence: LidarsAndCamerasSequence,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create a lidars-and-cameras sequence (see `SceneTypeResource`)."""
        return self._create(
            lidars_and_cameras_sequence, project, batch, annotation_types, dryrun, feature_flags
        )


class AggregatedLidarsAndCamerasSequenceResource(SceneTypeResource):
    model = AggregatedLidarsAndCamerasSequence

    def create(
        self,
        aggregated_lidars_and_cameras_seq: AggregatedLidarsAndCamerasSequence,
        project: str | None = None,
        batch: str | None = None,
        annotation_types: list[str] | None = None,
        dryrun: bool = False,
        feature_flags: FeatureFlags | None = None,
    ) -> CreateSceneResponse | None:
        """Create an aggregated lidars-and-cameras sequence (see `SceneTypeResource`)."""
        return self._create(
            aggregated_lidars_and_cameras_seq, project, batch, annotation_types, dryrun, feature_flags
        )

"""Creating one scene (the v1 flow the official client uses): initialize, IMU data, create,
upload, commit, resumably.

Every local file is checked before anything is sent, so a scene with a missing file leaves
nothing on the server. A scene the server refuses leaves nothing either (its create is one
transaction). An interrupted creation leaves a pending scene and a journal entry: running it again
finishes it, sending only the files the server does not hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annobatch.client._errors import APIError
from annobatch.client._journal import Journal, creation_key
from annobatch.client._progress import Progress
from annobatch.client._requester import Requester
from annobatch.client._uploads import Uploader, UploadFile
from annobatch.client.resources._common import Ignored, seg
from annobatch.client.resources.project import _seg as id_seg
from annobatch.model.scene.abstract.base_scene import BaseScene
from annobatch.model.scene.feature_flags import FeatureFlags
from annobatch.model.scene.resources.file_data import FileData
from annobatch.model.scene.resources.resource import Resource, check_local_file
from annobatch.model.scene.scene_job import CreateSceneResponse
from annobatch.schemas import Envelope, ImuResource, InitializedScene, Scene, SceneJobCreated


@dataclass(frozen=True)
class Created:
    """A creation's outcome: the official answer, and the scene's status after its commit."""

    response: CreateSceneResponse
    status: str
    error_message: str | None = None


def creation_path(scene: BaseScene, project: str | None, batch: str | None) -> str:
    path = "/v1/inputs/"
    if project is not None:
        path += f"project/{id_seg('project', project)}/"
        if batch is not None:
            path += f"batch/{id_seg('batch', batch)}/"
    return path + scene.scene_path


def upload_file(resource: Resource, url: str) -> UploadFile:
    data = resource.file_data
    if isinstance(data, FileData):
        name = resource.client_filename or resource.filename
        return UploadFile(str(resource.resource_id), url, resource.content_type, read=lambda: data.read(name))
    return UploadFile(str(resource.resource_id), url, resource.content_type, path=Path(resource.filename))


class SceneCreator:
    """Creates scenes for one client (its requester, uploader, workspace and resume journal)."""

    def __init__(
        self, requester: Requester, uploader: Uploader, workspace_id: str | None, resume_dir: Path | None
    ) -> None:
        self.requester, self.uploader = requester, uploader
        self.workspace_id, self.resume_dir = workspace_id, resume_dir

    def _params(self) -> dict[str, str] | None:
        return {"workspaceId": self.workspace_id} if self.workspace_id else None

    def _initialize(self) -> str:
        body = {"workspaceId": self.workspace_id} if self.workspace_id else {}
        return self.requester.call(
            "POST", "/v1/inputs/initialize", Envelope[InitializedScene], json=body
        ).data.scene_uuid

    def _imu(self, scene: BaseScene, scene_uuid: str, dryrun: bool) -> str:
        samples = [s.to_dict() for s in getattr(scene, "imu_data", [])]
        found = self.requester.call(
            "POST",
            "/v1/imu",
            Envelope[ImuResource],
            json={"imuData": samples, "internalId": scene_uuid},
            params=self._params(),
            dry_run=dryrun,
        )
        return found.data.resource_id

    def create(
        self,
        scene: BaseScene,
        project: str | None,
        batch: str | None,
        dryrun: bool,
        feature_flags: FeatureFlags | None,
        progress: Progress,
    ) -> Created | None:
        """Create `scene`; None for a dry run (everything checked, nothing kept)."""
        resources = scene.resources
        for r in resources.values():
            if r.file_data is None:
                check_local_file(r.filename)
        path = creation_path(scene, project, batch)
        body: dict[str, Any] = scene.to_dict()
        body["featureFlags"] = (feature_flags or FeatureFlags.defaults()).to_dict()
        if dryrun:
            scene_uuid = self._initialize()
            if getattr(scene, "imu_data", None):
                self._imu(scene, scene_uuid, dryrun=True)
            body["internalId"] = scene_uuid
            self.requester.call("POST", path, Ignored, json=body, params=self._params(), dry_run=True)
            return None
        imu = [s.to_dict() for s in getattr(scene, "imu_data", [])]
        journal = Journal.open(
            self.resume_dir, creation_key(self.requester.host, self.workspace_id, path, body, imu)
        )
        if journal.entry is None:
            return self._create(scene, path, body, journal, progress, resumed=False)
        try:
            return self._create(scene, path, body, journal, progress, resumed=True)
        except APIError as e:
            if e.status is None or not 400 <= e.status < 500:
                raise
        # The interrupted scene cannot be finished (abandoned by the server's sweep meanwhile):
        # the journal forgot it, create it afresh.
        return self._create(scene, path, body, journal, progress, resumed=False)

    def _create(
        self,
        scene: BaseScene,
        path: str,
        body: dict[str, Any],
        journal: Journal,
        progress: Progress,
        resumed: bool,
    ) -> Created:
        """Initialize (or reuse the journal's scene), send the IMU data, create, upload, commit. A
        refusal (4xx) makes the journal forget the scene; any other failure leaves it to resume."""
        if journal.entry is None:
            journal.start(self._initialize())
        assert journal.entry is not None
        scene_uuid = journal.entry.scene_uuid
        if getattr(scene, "imu_data", None):
            if journal.entry.imu_id is None:
                journal.set_imu(self._imu(scene, scene_uuid, dryrun=False))
            body = {**body, "imuData": journal.entry.imu_id}
        body = {**body, "internalId": scene_uuid}
        try:
            job = self.requester.call(
                "POST", path, Envelope[SceneJobCreated], json=body, params=self._params()
            ).data
            resources = scene.resources
            unknown = sorted(set(job.files) - set(resources))
            if unknown:
                raise APIError(
                    f"the server asked for files the scene does not have: {unknown[:3]}", code="unknown-files"
                )
            uploads = [upload_file(resources[rid], url) for rid, url in job.files.items()]
            self.uploader.upload_all(uploads, journal, progress)
            response = CreateSceneResponse(
                scene_uuid=job.internal_id, request_input_uuid=job.request_input_uuid
            )
            if not uploads and not resumed:  # nothing to upload: the server created it at once
                journal.forget()
                return Created(response, "created")
            done = self.requester.call(
                "POST", f"/v1/inputs/{seg(scene_uuid)}/actions/commit", Envelope[Scene]
            ).data
        except APIError as e:
            if e.status is not None and 400 <= e.status < 500:
                journal.forget()  # refused: nothing to resume
            raise
        journal.forget()
        return Created(response, done.status, done.error_message)

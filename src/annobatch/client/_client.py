"""`annobatch.Client`: the SDK's entry point."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import httpx

from annobatch.client._auth import ClientCredentialsAuth
from annobatch.client._bulk import SceneResult, create_scenes
from annobatch.client._creation import SceneCreator
from annobatch.client._credentials import Auth, resolve_credentials, resolve_host
from annobatch.client._journal import default_resume_dir
from annobatch.client._progress import Progress, wanted
from annobatch.client._requester import Requester, RetryPolicy
from annobatch.client._uploads import Uploader
from annobatch.client.resources.annotation import AnnotationResource
from annobatch.client.resources.calibration import CalibrationResource
from annobatch.client.resources.input import InputResource
from annobatch.client.resources.pre_annotation import PreAnnotationResource
from annobatch.client.resources.project import ProjectResource
from annobatch.client.resources.request import RequestResource
from annobatch.client.resources.review import ReviewResource
from annobatch.client.resources.scene import SceneResource
from annobatch.client.resources.scene_types import (
    AggregatedLidarsAndCamerasSequenceResource,
    CamerasResource,
    CamerasSequenceResource,
    LidarsAndCamerasResource,
    LidarsAndCamerasSequenceResource,
    LidarsResource,
    LidarsSequenceResource,
)
from annobatch.client.resources.task import TaskResource
from annobatch.client.resources.workspace import WorkspaceResource
from annobatch.model.scene.abstract.base_scene import BaseScene

DEFAULT_TIMEOUT = 30.0


class Client:
    """A client of one annobatch server.

    ```python
    from annobatch import Client
    client = Client(auth="data/demo-credentials.json")
    client.project.get_projects()
    ```

    - `host`: the server's base URL; else `ANNOBATCH_HOST`, else `http://127.0.0.1:8000`.
    - `auth`: a `(client_id, client_secret)` tuple or a credentials-file path; else the file named by
      `KOGNIC_CREDENTIALS`, else `KOGNIC_CLIENT_ID` + `KOGNIC_CLIENT_SECRET`. Raises
      `CredentialsError` when none is found.
    - `timeout`: seconds allowed for each request.
    - `max_retries`: more attempts after a connection error or a 429/502/503/504 answer, waiting
      with exponential backoff and jitter (or as `Retry-After` says).
    - `client_organization_id`: for staff credentials, the organization to act for.
    - `http_client`: an `httpx.Client` to send requests with (tests hand in one bound to the app);
      the SDK then neither configures nor closes it.
    - `write_workspace_id`: the workspace new scenes and calibrations go to (default: the
      server's choice, the caller's one workspace).
    - `max_connections`: files uploaded at once (default 8), across all scenes being created.
    - `resume_dir`: where interrupted creations are remembered, so that running them again sends
      only the files the server does not hold (default `ANNOBATCH_RESUME_DIR`, else
      `~/.cache/annobatch/uploads`); `False` remembers nothing.
    - `progress`: draw a progress display for uploads and downloads (default: when stderr is a
      terminal).

    The official client's other keywords are accepted so that code moves by changing its imports:
    `auth_host`, `workspace_api_host`, `order_execution_api_host`,
    `annotation_integration_api_host` and `project_management_api_host` name the same server here
    (annobatch serves every API at `host`) and are not used; `max_retry_attempts` is the upload
    retries.
    """

    def __init__(
        self,
        host: str | None = None,
        auth: Auth = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        client_organization_id: int | None = None,
        http_client: httpx.Client | None = None,
        write_workspace_id: str | None = None,
        max_connections: int = 8,
        max_retry_attempts: int = 8,
        auth_host: str | None = None,
        workspace_api_host: str | None = None,
        order_execution_api_host: str | None = None,
        annotation_integration_api_host: str | None = None,
        project_management_api_host: str | None = None,
        max_retry_wait_time: float | None = None,
        resume_dir: str | Path | bool | None = None,
        progress: bool | None = None,
    ) -> None:
        self.host = resolve_host(host)
        self.credentials = resolve_credentials(auth)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)
        headers = {}
        if client_organization_id is not None:
            headers["X-Organization-Id"] = str(client_organization_id)
        self._requester = requester = Requester(
            self.host,
            self._http,
            ClientCredentialsAuth(self.host, self.credentials),
            timeout,
            RetryPolicy(retries=max_retries),
            headers,
        )
        self.workspace_id = write_workspace_id
        self._uploader = Uploader(requester, workers=max_connections, retries=max_retry_attempts)
        self.progress = progress
        journal_dir = None if resume_dir is False else default_resume_dir()
        if isinstance(resume_dir, str | Path):
            journal_dir = Path(resume_dir)
        self._creator = creator = SceneCreator(requester, self._uploader, write_workspace_id, journal_dir)

        def show() -> bool | None:
            return self.progress

        self.cameras = CamerasResource(requester, creator, show)
        self.cameras_sequence = CamerasSequenceResource(requester, creator, show)
        self.lidars = LidarsResource(requester, creator, show)
        self.lidars_sequence = LidarsSequenceResource(requester, creator, show)
        self.lidars_and_cameras = LidarsAndCamerasResource(requester, creator, show)
        self.lidars_and_cameras_sequence = LidarsAndCamerasSequenceResource(requester, creator, show)
        self.aggregated_lidars_and_cameras_seq = AggregatedLidarsAndCamerasSequenceResource(
            requester, creator, show
        )
        self.project = ProjectResource(requester)
        self.workspace = WorkspaceResource(requester)
        self.calibration = CalibrationResource(requester, write_workspace_id)
        self.input = InputResource(requester)
        self.scene = SceneResource(requester, self._uploader)
        self.annotation = AnnotationResource(requester)
        self.pre_annotation = PreAnnotationResource(requester)
        self.request = RequestResource(requester)
        self.review = ReviewResource(requester)
        self.task = TaskResource(requester)

    def create_scenes(
        self,
        scenes: Iterable[BaseScene],
        project: str | None = None,
        batch: str | None = None,
        *,
        workers: int = 4,
        dryrun: bool = False,
    ) -> Iterator[SceneResult]:
        """Create many scenes of any types, `workers` at a time, yielding one `SceneResult` per
        scene as each finishes: `created`, `failed` with its message (one bad scene never stops the
        run: a missing local file or a refused scene leaves nothing on the server), or `skipped`
        when a scene with its external id is already there (created, processing or indexed), so
        that running the same list again only does what is left. Files go through the client's
        upload pool (`max_connections`); an interrupted scene is resumed on the next run."""
        with Progress(wanted(self.progress)) as progress:
            yield from create_scenes(
                self._creator, self.scene, scenes, project, batch, workers, dryrun, progress
            )

    def close(self) -> None:
        """Close the connection pool (not an `http_client` that was handed in)."""
        self._uploader.close()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(host={self.host!r}, client_id={self.credentials.client_id!r})"

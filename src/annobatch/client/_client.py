"""`annobatch.Client`: the SDK's entry point."""

from __future__ import annotations

from types import TracebackType

import httpx

from annobatch.client._auth import ClientCredentialsAuth
from annobatch.client._credentials import Auth, resolve_credentials, resolve_host
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
from annobatch.client.resources.task import TaskResource
from annobatch.client.resources.workspace import WorkspaceResource

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
    - `max_connections`: files uploaded at once by a scene's creation (default 8).

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

    def close(self) -> None:
        """Close the connection pool (not an `http_client` that was handed in)."""
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

"""`annobatch.Client`: the SDK's entry point."""

from __future__ import annotations

from types import TracebackType

import httpx

from annobatch.client._auth import ClientCredentialsAuth
from annobatch.client._credentials import Auth, resolve_credentials, resolve_host
from annobatch.client._requester import Requester, RetryPolicy
from annobatch.client.resources.project import ProjectResource

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
        self.project = ProjectResource(requester)

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

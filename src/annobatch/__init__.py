"""annobatch: the SDK.

```python
from annobatch import Client
client = Client(auth="data/demo-credentials.json")
client.project.get_projects()
```

The official client's resources are here under the same names (`client.cameras.create(scene)`,
`client.input.query_inputs(...)`, `client.annotation.get_project_annotations(...)` …) and its
models under `annobatch.model` at the same paths as `kognic.io.model`, so that code moves by
changing its imports. Beyond them: `client.create_scenes(scenes, workers=N)` (one `SceneResult` per
scene) and `client.annotation.download(project, annotation_type, to=DIR)` (one `DownloadResult`
per file); uploads stream, run several at once, retry, and resume (`RESUME_DIR_ENV`).

Without arguments the client reads its host from `ANNOBATCH_HOST` (`HOST_ENV`, default
`DEFAULT_HOST`) and its credentials from the file named by `KOGNIC_CREDENTIALS` (`CREDENTIALS_ENV`),
else from `KOGNIC_CLIENT_ID` + `KOGNIC_CLIENT_SECRET` (`CLIENT_ID_ENV`, `CLIENT_SECRET_ENV`): tools
built on the SDK name them with these constants.
"""

from annobatch.client._bulk import SceneResult
from annobatch.client._client import Client
from annobatch.client._credentials import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    CREDENTIALS_ENV,
    DEFAULT_HOST,
    HOST_ENV,
)
from annobatch.client._downloads import DownloadResult
from annobatch.client._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    BadRequest,
    Conflict,
    CredentialsError,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    RateLimited,
    ServerError,
)
from annobatch.client._journal import RESUME_DIR_ENV
from annobatch.domain import BatchStatus as ProjectBatchStatus
from annobatch.model.scene.resources.resource import MissingFileError
from annobatch.schemas import (
    BatchDetail,
    Event,
    Input,
    InputCounts,
    InputEntry,
    Project,
    ProjectBatch,
    Request,
    Scene,
    SceneSummary,
)

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "CREDENTIALS_ENV",
    "DEFAULT_HOST",
    "HOST_ENV",
    "RESUME_DIR_ENV",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequest",
    "BatchDetail",
    "Client",
    "Conflict",
    "CredentialsError",
    "DownloadResult",
    "Event",
    "Input",
    "InputCounts",
    "InputEntry",
    "MissingFileError",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "Project",
    "ProjectBatch",
    "ProjectBatchStatus",
    "RateLimited",
    "Request",
    "Scene",
    "SceneResult",
    "SceneSummary",
    "ServerError",
]

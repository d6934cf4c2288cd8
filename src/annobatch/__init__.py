"""annobatch: the SDK.

```python
from annobatch import Client
client = Client(auth="data/demo-credentials.json")
client.project.get_projects()
```

Without arguments the client reads its host from `ANNOBATCH_HOST` (`HOST_ENV`, default
`DEFAULT_HOST`) and its credentials from the file named by `KOGNIC_CREDENTIALS` (`CREDENTIALS_ENV`),
else from `KOGNIC_CLIENT_ID` + `KOGNIC_CLIENT_SECRET` (`CLIENT_ID_ENV`, `CLIENT_SECRET_ENV`): tools
built on the SDK name them with these constants.
"""

from annobatch.client._client import Client
from annobatch.client._credentials import (
    CLIENT_ID_ENV,
    CLIENT_SECRET_ENV,
    CREDENTIALS_ENV,
    DEFAULT_HOST,
    HOST_ENV,
)
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
from annobatch.client.webhooks import WebhookSignatureError, verify_webhook
from annobatch.domain import BatchStatus as ProjectBatchStatus
from annobatch.schemas import BatchDetail, Event, InputCounts, Project, ProjectBatch

__all__ = [
    "CLIENT_ID_ENV",
    "CLIENT_SECRET_ENV",
    "CREDENTIALS_ENV",
    "DEFAULT_HOST",
    "HOST_ENV",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequest",
    "BatchDetail",
    "Client",
    "Conflict",
    "CredentialsError",
    "Event",
    "InputCounts",
    "NotFound",
    "PayloadTooLarge",
    "PermissionDenied",
    "Project",
    "ProjectBatch",
    "ProjectBatchStatus",
    "RateLimited",
    "ServerError",
    "WebhookSignatureError",
    "verify_webhook",
]

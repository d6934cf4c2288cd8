"""annobatch: the SDK.

```python
from annobatch import Client
client = Client(auth="data/demo-credentials.json")
client.project.get_projects()
```
"""

from annobatch.client._client import Client
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
from annobatch.domain import BatchStatus as ProjectBatchStatus
from annobatch.schemas import BatchDetail, Event, InputCounts, Project, ProjectBatch

__all__ = [
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
]

"""Cloud resources: files that stay in an organization's own S3-compatible bucket, named by URI,
and the storage (endpoint and bucket) staff configure for an organization to reach them."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from annobatch.domain.errors import Conflict, InvalidInput
from annobatch.domain.scene_lifecycle import SceneStatus

__all__ = [
    "STORAGE_ACCESS_PROBLEMS",
    "CloudUri",
    "is_storage_access_problem",
    "parse_cloud_uri",
    "require_importable",
    "require_reindexable",
    "validate_bucket_name",
    "validate_endpoint",
]

_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9]$")
MAX_KEY = 1024


def validate_bucket_name(bucket: str) -> str:
    """A bucket name as S3 has them: 3-63 lowercase letters, digits, dots and hyphens, starting and
    ending with a letter or digit."""
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InvalidInput(
            f"invalid bucket name {bucket!r}: 3-63 lowercase letters, digits, dots and hyphens, "
            "starting and ending with a letter or digit",
            "invalid-bucket",
        )
    return bucket


def validate_endpoint(endpoint: str) -> str:
    """A storage endpoint is an http(s) URL with a host and no credentials, query or fragment."""
    parts = urlsplit(endpoint)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.username
        or parts.password
        or parts.query
        or parts.fragment
    ):
        raise InvalidInput(
            f"invalid storage endpoint {endpoint!r}: an http(s) URL with a host, such as "
            "https://s3.eu-north-1.amazonaws.com (no credentials in it)",
            "invalid-endpoint",
        )
    return endpoint.rstrip("/")


class CloudUri:
    """`s3://bucket/key`, split."""

    __slots__ = ("bucket", "key", "uri")

    def __init__(self, uri: str, bucket: str, key: str) -> None:
        self.uri = uri
        self.bucket = bucket
        self.key = key


def parse_cloud_uri(uri: str) -> CloudUri:
    """A cloud resource is named `s3://<bucket>/<key>`: a bucket of the organization's configured
    storage and the object's key in it (1-1024 characters, no control characters)."""
    if not uri.startswith("s3://"):
        raise InvalidInput(
            f"cloud resource {uri!r} is outside the organization's configured storage: name it "
            "s3://<bucket>/<key>, in a bucket staff configured for the organization",
            "outside-storage",
        )
    bucket, _, key = uri[len("s3://") :].partition("/")
    if not bucket or not key or len(key) > MAX_KEY or any(ord(c) < 32 for c in key):
        raise InvalidInput(
            f"cloud resource {uri!r} is not a valid URI: s3://<bucket>/<key>", "invalid-cloud-uri"
        )
    return CloudUri(uri, bucket, key)


#: Refusals of a bucket read that say nothing about the file itself: the storage is not configured
#: for the bucket, its keys are refused (403), its endpoint does not answer, or it failed otherwise.
STORAGE_ACCESS_PROBLEMS = frozenset(
    {"outside-storage", "cloud-access-denied", "cloud-unreachable", "cloud-read-failed"}
)


def is_storage_access_problem(code: str) -> bool:
    """A deferred import (an indexed scene or pre-annotation) that cannot reach its bucket is refused
    (400) and may be asked again once the storage is fixed; only a problem of the file itself (gone,
    too large, not what it claims to be) fails the scene or pre-annotation."""
    return code in STORAGE_ACCESS_PROBLEMS


def require_importable(scene: str, status: SceneStatus | str, cloud: bool) -> bool:
    """Import (PATCH status created) takes an indexed scene's files from its bucket; answers whether
    there is work to do. A created scene is imported already (nothing to do); a processing one is
    an import that was cut short (done again); anything else cannot be imported."""
    status = SceneStatus(status)
    if status is SceneStatus.CREATED:
        return False
    if status is SceneStatus.INDEXED or (status is SceneStatus.PROCESSING and cloud):
        return True
    raise Conflict(
        f"scene {scene} is {status.wire_status}; only an indexed scene can be imported", "scene-not-indexed"
    )


def require_reindexable(scene: str, status: SceneStatus | str, cloud: bool) -> bool:
    """Reindexing (PATCH status indexed) drops the server's copies of a created scene's files, which
    stay in the organization's bucket; answers whether there is work to do. Only a scene whose
    files are all cloud resources can be: uploaded files would be lost."""
    status = SceneStatus(status)
    if status is SceneStatus.INDEXED:
        return False
    if status is not SceneStatus.CREATED:
        raise Conflict(
            f"scene {scene} is {status.wire_status}; only a created scene can be reindexed",
            "scene-not-created",
        )
    if not cloud:
        raise Conflict(
            f"scene {scene} has files uploaded to this server; only a scene whose files are all cloud "
            "resources can be reindexed",
            "scene-not-cloud",
        )
    return True

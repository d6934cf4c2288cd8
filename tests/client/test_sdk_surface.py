"""The SDK's public surface, its models and its error table."""

from __future__ import annotations

import socket

import httpx
import pytest

import annobatch
from annobatch import domain, schemas
from annobatch.client import _errors

PUBLIC = [
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


def test_the_public_surface_is_exactly_the_pinned_sorted_list() -> None:
    assert annobatch.__all__ == PUBLIC
    # Sorted as ruff sorts `__all__`: the constants first, then the classes.
    constants = sorted(n for n in PUBLIC if n.isupper())
    assert annobatch.__all__ == constants + sorted(n for n in PUBLIC if not n.isupper())
    for name in PUBLIC:
        assert getattr(annobatch, name) is not None


def test_the_sdk_names_the_variables_it_reads_and_its_default_host() -> None:
    assert annobatch.HOST_ENV == "ANNOBATCH_HOST"
    assert annobatch.DEFAULT_HOST == "http://127.0.0.1:8000"
    assert annobatch.CREDENTIALS_ENV == "KOGNIC_CREDENTIALS"
    assert annobatch.CLIENT_ID_ENV == "KOGNIC_CLIENT_ID"
    assert annobatch.CLIENT_SECRET_ENV == "KOGNIC_CLIENT_SECRET"


def test_models_are_the_shared_wire_schemas_not_copies() -> None:
    assert annobatch.Project is schemas.Project
    assert annobatch.ProjectBatch is schemas.ProjectBatch
    assert annobatch.BatchDetail is schemas.BatchDetail
    assert annobatch.ProjectBatchStatus is domain.BatchStatus


def test_batch_statuses_are_the_official_ones() -> None:
    assert [s.value for s in annobatch.ProjectBatchStatus] == [
        "pending",
        "open",
        "ready",
        "in-progress",
        "completed",
        "archived",
    ]
    assert annobatch.ProjectBatchStatus.IN_PROGRESS == "in-progress"


def test_models_carry_the_official_field_names() -> None:
    assert schemas.Project.__struct_fields__ == ("project", "title", "description", "status", "created")
    assert set(schemas.ProjectBatch.__struct_fields__) == {
        "project",
        "batch",
        "title",
        "status",
        "created",
        "updated",
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, annobatch.BadRequest),
        (401, annobatch.AuthenticationError),
        (403, annobatch.PermissionDenied),
        (404, annobatch.NotFound),
        (409, annobatch.Conflict),
        (413, annobatch.PayloadTooLarge),
        (429, annobatch.RateLimited),
        (500, annobatch.ServerError),
        (503, annobatch.ServerError),
        (418, annobatch.APIError),
    ],
)
def test_each_status_maps_to_its_error_type_carrying_message_and_code(
    status: int, error: type[annobatch.APIError]
) -> None:
    request = httpx.Request("GET", "http://h/v1/projects/p9")
    response = httpx.Response(
        status, json={"message": "project p9 not found", "code": "x-code"}, request=request
    )
    e = _errors.from_response(response)
    assert type(e) is error
    assert isinstance(e, annobatch.APIError)
    assert (e.status, e.code, e.message) == (status, "x-code", "project p9 not found")
    assert str(e) == "project p9 not found"


def test_an_answer_without_the_error_body_still_reads_as_a_sentence() -> None:
    request = httpx.Request("GET", "http://h/v1/projects")
    e = _errors.from_response(httpx.Response(502, text="<html>bad gateway</html>", request=request))
    assert isinstance(e, annobatch.ServerError)
    assert str(e) == "GET http://h/v1/projects answered HTTP 502 Bad Gateway"
    assert e.code == "http-502"


def test_a_refused_connection_names_the_host_and_the_cause() -> None:
    try:
        raise httpx.ConnectError("x") from ConnectionRefusedError(111, "Connection refused")
    except httpx.ConnectError as exc:
        e = _errors.from_transport(exc, "http://127.0.0.1:9", 30)
    assert isinstance(e, annobatch.APIConnectionError)
    assert str(e) == "cannot reach http://127.0.0.1:9: connection refused"
    assert e.status is None


def test_an_unknown_host_name_is_said_plainly() -> None:
    try:
        raise httpx.ConnectError("x") from socket.gaierror(-2, "Name or service not known")
    except httpx.ConnectError as exc:
        e = _errors.from_transport(exc, "http://nowhere.invalid", 30)
    assert str(e) == "cannot reach http://nowhere.invalid: host name not found"


def test_a_timeout_says_how_long_was_waited() -> None:
    e = _errors.from_transport(httpx.ReadTimeout("slow"), "http://h", 2.5)
    assert isinstance(e, annobatch.APITimeoutError)
    assert isinstance(e, annobatch.APIConnectionError)
    assert str(e) == "cannot reach http://h: no answer after 2.5 s"

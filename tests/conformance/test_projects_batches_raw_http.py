"""Our extensions and bad input over the real socket, with plain httpx: `X-Dryrun`,
`Idempotency-Key`, and requests no client library would send. Bad input is a 4xx with a message
that stands alone, never a 5xx (the official client retries those for minutes)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annobatch.services.accounts import NewCredential
from conftest import Live, unique

MIB = 1024 * 1024


def http(live: Live, cred: NewCredential, **headers: str) -> httpx.Client:
    token = httpx.post(
        live.url + "/v1/auth/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": cred.record.client_id,
            "client_secret": cred.secret,
        },
    ).json()["access_token"]
    return httpx.Client(
        base_url=live.url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=30
    )


@pytest.fixture
def client(live: Live) -> Iterator[httpx.Client]:
    """A client of a fresh organization with project p1 (default types) holding open batch b1."""
    org = live.world.org(unique("org"))
    live.world.project(org, "p1", ["object-detection"])
    live.world.batch(org, "p1", "b1")
    with http(live, live.world.credential(org)) as c:
        yield c


@pytest.fixture
def staff(live: Live) -> Iterator[httpx.Client]:
    vendor = live.world.org(unique("vendor"))
    with http(live, live.world.credential(vendor, staff=True)) as c:
        yield c


def batches(c: httpx.Client) -> dict[str, str]:
    r = c.get("/v1/projects/p1/batches")
    assert r.status_code == 200, r.text
    return {b["batch"]: b["status"] for b in r.json()["data"]}


def assert_error(r: httpx.Response, status: int, code: str | None = None) -> str:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) >= {"message", "code"}
    assert isinstance(body["message"], str) and body["message"]
    if code is not None:
        assert body["code"] == code
    return str(body["message"])


# ----------------------------------------------------------------------------------- dry run


def test_a_dry_run_create_answers_the_batch_and_writes_nothing(client: httpx.Client) -> None:
    r = client.post(
        "/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True}, headers={"X-Dryrun": ""}
    )
    assert r.status_code == 200, r.text
    assert {k: r.json()["data"][k] for k in ("project", "batch", "status")} == {
        "project": "p1",
        "batch": "b2",
        "status": "open",
    }
    assert batches(client) == {"b1": "open"}


def test_a_dry_run_still_refuses_what_the_real_call_would(client: httpx.Client) -> None:
    r = client.post("/v1/projects/p1/batches/b1", headers={"X-Dryrun": ""})
    assert "already exists" in assert_error(r, 409)


def test_a_dry_run_publish_answers_ready_and_leaves_the_batch_open(client: httpx.Client) -> None:
    r = client.post("/v1/projects/p1/batches/b1/publish", headers={"X-Dryrun": ""})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "ready"
    assert batches(client) == {"b1": "open"}
    events = client.get("/v1/projects/p1/events").json()["data"]
    assert [e["kind"] for e in events] == ["project.created", "batch.created"]


# ----------------------------------------------------------------------------- idempotency


def test_a_retried_create_with_the_same_idempotency_key_answers_the_first_result(
    client: httpx.Client,
) -> None:
    key = {"Idempotency-Key": unique("key")}
    first = client.post("/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True}, headers=key)
    again = client.post("/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True}, headers=key)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert batches(client) == {"b1": "ready", "b2": "open"}


def test_an_idempotency_key_reused_for_another_request_is_a_409(client: httpx.Client) -> None:
    key = {"Idempotency-Key": unique("key")}
    assert client.post("/v1/projects/p1/batches/b2", headers=key).status_code == 200
    r = client.post("/v1/projects/p1/batches/b3", headers=key)
    assert "already used for a different request" in assert_error(r, 409, "idempotency-key-reused")
    assert batches(client) == {"b1": "open", "b2": "open"}


def test_without_an_idempotency_key_a_retried_create_is_a_409(client: httpx.Client) -> None:
    assert client.post("/v1/projects/p1/batches/b2").status_code == 200
    assert_error(client.post("/v1/projects/p1/batches/b2"), 409, "duplicate-batch")


# ------------------------------------------------------------------------------- bad input


def test_malformed_json_is_a_400(client: httpx.Client) -> None:
    r = client.post("/v1/projects/p1/batches/b2", content=b'{"publishPreviousBatches": tru', headers=_json)
    assert assert_error(r, 400) == "the request body is not valid JSON"
    assert batches(client) == {"b1": "open"}


def test_a_wrong_type_is_a_400_naming_the_field(client: httpx.Client) -> None:
    r = client.post("/v1/projects/p1/batches/b2", json={"publishPreviousBatches": "yes"})
    assert "publishPreviousBatches" in assert_error(r, 400)
    assert batches(client) == {"b1": "open"}


@pytest.mark.parametrize(
    "body", [b"[]", b"null", b'"text"', b"17", '{"title": "\udc80"}'.encode("utf-8", "surrogatepass")]
)
def test_a_body_that_is_not_an_object_is_a_400(client: httpx.Client, body: bytes) -> None:
    assert_error(client.post("/v1/projects/p1/batches/b2", content=body, headers=_json), 400)


def test_deeply_nested_json_is_a_400(client: httpx.Client) -> None:
    body = b'{"title": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert_error(client.post("/v1/projects/p1/batches/b2", content=body, headers=_json), 400)


def test_unknown_fields_are_ignored(client: httpx.Client) -> None:
    r = client.post("/v1/projects/p1/batches/b2", json={"publishPreviousBatches": True, "colour": "blue"})
    assert r.status_code == 200, r.text
    assert batches(client) == {"b1": "ready", "b2": "open"}


def test_a_body_over_one_mebibyte_is_a_413(client: httpx.Client) -> None:
    body = json.dumps({"publishPreviousBatches": True, "pad": "x" * MIB}).encode()
    assert_error(client.post("/v1/projects/p1/batches/b2", content=body, headers=_json), 413)
    assert batches(client) == {"b1": "open"}


def test_a_chunked_body_over_one_mebibyte_is_a_413(client: httpx.Client) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"pad": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    assert_error(client.post("/v1/projects/p1/batches/b2", content=chunks(), headers=_json), 413)
    assert batches(client) == {"b1": "open"}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/projects", {"project": 5, "title": "T"}),
        ("POST", "/v1/projects", {"project": "p9"}),
        ("POST", "/v1/projects", {"project": "bad id!", "title": "T"}),
        ("POST", "/v1/projects", {"project": "p9", "title": "T", "annotationTypes": "a"}),
        ("POST", "/v1/projects", {"project": "p9", "title": "T", "status": "later"}),
        ("PUT", "/v1/projects/p1/annotation-types", {"annotationTypes": ["", "x"]}),
        ("PUT", "/v1/projects/p1/status", {"status": 3}),
        ("POST", "/v1/projects/p1/batches/b1/actions/explode", None),
    ],
)
def test_bad_staff_requests_are_400s(
    live: Live, staff: httpx.Client, method: str, path: str, body: object
) -> None:
    org = live.world.org(unique("org"))
    live.world.project(org, "p1", ["object-detection"])
    live.world.batch(org, "p1", "b1")
    r = staff.request(method, path, json=body, headers={"X-Organization-Id": str(org)})
    assert_error(r, 400)


@pytest.mark.parametrize(
    ("path", "headers", "status"),
    [
        ("/v1/projects/p1/events?cursorId=abc", {}, 400),
        ("/v1/projects/p1/events?limit=0", {}, 400),
        ("/v1/projects", {"X-Organization-Id": "abc"}, 400),
        ("/v1/workspaces?organizationIds=x", {}, 400),
        ("/v1/projects/" + "p" * 129 + "/batches", {}, 400),
        ("/v1/projects", {"Authorization": "Bearer not-a-token"}, 401),
        ("/v1/projects", {"Authorization": "Basic Zm9vOmJhcg=="}, 401),
        ("/v1/nothing-here", {}, 404),
    ],
)
def test_bad_reads_are_4xx_with_a_message(
    client: httpx.Client, path: str, headers: dict[str, str], status: int
) -> None:
    assert_error(client.get(path, headers=headers), status)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"grant_type": "password", "client_id": "a", "client_secret": "b"},
        {"grant_type": "client_credentials", "client_id": "a" * 5000, "client_secret": "b"},
        {"grant_type": "client_credentials", "client_id": "\x00", "client_secret": "\x00"},
    ],
)
def test_bad_token_requests_are_4xx_oauth_errors(live: Live, form: dict[str, str]) -> None:
    r = httpx.post(live.url + "/v1/auth/oauth/token", data=form)
    assert r.status_code in {400, 401}, r.text
    assert isinstance(r.json()["error"], str)


def test_a_token_request_that_is_not_a_form_is_a_4xx(live: Live) -> None:
    r = httpx.post(live.url + "/v1/auth/oauth/token", content=b"\xff\xfe\x00garbage", headers=_json)
    assert 400 <= r.status_code < 500, r.text


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["publishPreviousBatches", "title", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=200),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(
                    st.sampled_from(["publishPreviousBatches", "title", "x"]), inner, max_size=3
                )
            ),
            max_leaves=8,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_no_body_to_create_batch_is_answered_with_a_5xx(client: httpx.Client, body: bytes) -> None:
    r = client.post(f"/v1/projects/p1/batches/{unique('b')}", content=body, headers=_json)
    assert r.status_code in {200, 400}, r.text
    assert isinstance(r.json(), dict)


_json = {"Content-Type": "application/json"}


@pytest.mark.parametrize("text", ["nul \x00 inside", "t" * 501])
def test_text_the_database_cannot_hold_is_never_a_5xx(client: httpx.Client, text: str) -> None:
    r = client.post("/v1/projects/p1/batches/b2", json={"title": text, "publishPreviousBatches": True})
    if r.status_code == 400:
        assert batches(client) == {"b1": "open"}
    else:
        assert r.status_code == 200, r.text
        assert batches(client) == {"b1": "ready", "b2": "open"}

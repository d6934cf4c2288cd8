"""Host and credential resolution, in the official client's order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annobatch import Client, CredentialsError
from annobatch.client._credentials import resolve_credentials, resolve_host


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANNOBATCH_HOST", "KOGNIC_CREDENTIALS", "KOGNIC_CLIENT_ID", "KOGNIC_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)


def write(path: Path, client_id: str = "file-id", **extra: object) -> Path:
    body = {"clientId": client_id, "clientSecret": "file-secret", "email": "e@x", "userId": 1, "issuer": "i"}
    path.write_text(json.dumps({**body, **extra}))
    return path


def test_a_tuple_is_the_client_id_and_secret() -> None:
    creds = resolve_credentials(("an-id", "a-secret"))
    assert (creds.client_id, creds.client_secret) == ("an-id", "a-secret")


def test_a_path_names_a_credentials_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json")
    assert resolve_credentials(str(path)).client_id == "file-id"
    assert resolve_credentials(path).client_secret == "file-secret"


def test_without_auth_kognic_credentials_names_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOGNIC_CREDENTIALS", str(write(tmp_path / "env.json", "env-file-id")))
    monkeypatch.setenv("KOGNIC_CLIENT_ID", "env-id")
    monkeypatch.setenv("KOGNIC_CLIENT_SECRET", "env-secret")
    assert resolve_credentials(None).client_id == "env-file-id"


def test_without_a_file_the_id_and_secret_variables_are_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOGNIC_CLIENT_ID", "env-id")
    monkeypatch.setenv("KOGNIC_CLIENT_SECRET", "env-secret")
    creds = resolve_credentials(None)
    assert (creds.client_id, creds.client_secret) == ("env-id", "env-secret")


def test_an_explicit_auth_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOGNIC_CLIENT_ID", "env-id")
    monkeypatch.setenv("KOGNIC_CLIENT_SECRET", "env-secret")
    assert resolve_credentials(("arg-id", "arg-secret")).client_id == "arg-id"


def test_no_credentials_anywhere_is_an_error_naming_all_three_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KOGNIC_CLIENT_ID", "only-the-id")
    with pytest.raises(CredentialsError) as e:
        Client()
    message = str(e.value)
    assert "auth=" in message
    for name in ("KOGNIC_CREDENTIALS", "KOGNIC_CLIENT_ID", "KOGNIC_CLIENT_SECRET"):
        assert name in message
    assert e.value.code == "no-credentials"


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=r"credentials file .*nope\.json does not exist"):
        resolve_credentials(str(tmp_path / "nope.json"))


def test_a_missing_file_from_the_environment_says_where_it_came_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KOGNIC_CREDENTIALS", str(tmp_path / "gone.json"))
    with pytest.raises(CredentialsError, match=r"gone\.json \(from KOGNIC_CREDENTIALS\) does not exist"):
        resolve_credentials(None)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text("clientId=abc")
    with pytest.raises(CredentialsError, match="is not valid JSON"):
        resolve_credentials(path)


def test_a_file_without_the_secret_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"clientId": "x"}))
    with pytest.raises(CredentialsError, match="needs clientId and clientSecret"):
        resolve_credentials(path)


def test_expired_credentials_are_refused_before_any_request(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", expires="2001-01-01T00:00:00Z")
    with pytest.raises(CredentialsError, match="expired at 2001-01-01") as e:
        resolve_credentials(path)
    assert e.value.code == "credentials-expired"


def test_credentials_that_expire_later_are_accepted(tmp_path: Path) -> None:
    path = write(tmp_path / "c.json", expires="2999-01-01T00:00:00Z")
    assert resolve_credentials(path).client_id == "file-id"


@pytest.mark.parametrize("auth", [("only-one",), ("id", ""), 42])
def test_auth_of_the_wrong_shape_is_refused(auth: object) -> None:
    with pytest.raises(CredentialsError):
        resolve_credentials(auth)  # type: ignore[arg-type]


def test_the_secret_is_never_shown_in_a_repr() -> None:
    client = Client("http://h", ("the-id", "the-very-secret"))
    assert "the-very-secret" not in repr(client.credentials)
    assert "the-very-secret" not in repr(client)


def test_the_host_argument_wins_then_annobatch_host_then_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_host(None) == "http://127.0.0.1:8000"
    monkeypatch.setenv("ANNOBATCH_HOST", "http://from-env:9000/")
    assert resolve_host(None) == "http://from-env:9000"
    assert resolve_host("https://given.example/") == "https://given.example"


def test_a_host_without_a_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="must start with http:// or https://"):
        resolve_host("localhost:8000")

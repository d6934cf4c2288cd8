"""Who sees what, through the official `kognic-io` client: organizations, staff acting for one,
the credentials file it reads, and the sloppy host it may be given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from authlib.integrations.base_client.errors import OAuthError
from kognic.io.client import KognicIOClient
from kognic.io.model.projects import ProjectBatchStatus
from requests import HTTPError

from annobatch.services.accounts import NewCredential
from conftest import Live, unique


def official_client(live: Live, cred: NewCredential, host: str | None = None, **kw: object) -> KognicIOClient:
    h = host or live.url
    return KognicIOClient(
        auth=(cred.record.client_id, cred.secret),
        host=h,
        auth_host=h,
        workspace_api_host=h,
        **kw,  # type: ignore[arg-type]
    )


def org_with_project(live: Live, project: str = "p1") -> int:
    org = live.world.org(unique("org"))
    live.world.project(org, project, ["object-detection"])
    live.world.batch(org, project, "b1")
    return org


def test_a_second_organization_sees_none_of_the_first_ones_projects(live: Live) -> None:
    first = org_with_project(live, "secret-project")
    second = live.world.org(unique("org"))
    live.world.project(second, "own")
    client = official_client(live, live.world.credential(second))
    assert [p.project for p in client.project.get_projects()] == ["own"]
    calls = [
        lambda: client.project.get_project_batches("secret-project"),
        lambda: client.project.get_annotation_types("secret-project"),
        lambda: client.project.get_annotation_types("secret-project", "b1"),
        lambda: client.project.create_batch("secret-project", "b2"),
        lambda: client.project.publish_batch("secret-project", "b1"),
    ]
    for call in calls:
        with pytest.raises(HTTPError) as e:
            call()
        assert e.value.response is not None and e.value.response.status_code == 404
    # Nothing happened to the first organization's project.
    owner = official_client(live, live.world.credential(first))
    assert [(b.batch, b.status) for b in owner.project.get_project_batches("secret-project")] == [
        ("b1", ProjectBatchStatus.OPEN)
    ]


def test_the_same_project_id_in_two_organizations_is_two_projects(live: Live) -> None:
    first = org_with_project(live, "shared-name")
    second = live.world.org(unique("org"))
    live.world.project(second, "shared-name")
    client = official_client(live, live.world.credential(second))
    assert client.project.get_project_batches("shared-name") == []
    assert client.project.create_batch("shared-name", "b1").status == ProjectBatchStatus.PENDING
    owner = official_client(live, live.world.credential(first))
    assert [b.status for b in owner.project.get_project_batches("shared-name")] == [ProjectBatchStatus.OPEN]


def test_staff_with_client_organization_id_act_for_that_organization(live: Live) -> None:
    client_org = org_with_project(live)
    vendor = live.world.org(unique("vendor"))
    staff = official_client(
        live, live.world.credential(vendor, staff=True), client_organization_id=client_org
    )
    assert [p.project for p in staff.project.get_projects()] == ["p1"]
    assert (
        staff.project.create_batch("p1", "b2", publish_previous_batches=True).status
        == ProjectBatchStatus.OPEN
    )
    statuses = {b.batch: b.status for b in staff.project.get_project_batches("p1")}
    assert statuses == {"b1": ProjectBatchStatus.READY, "b2": ProjectBatchStatus.OPEN}


def test_staff_without_client_organization_id_see_their_own_organization(live: Live) -> None:
    org_with_project(live)
    vendor = live.world.org(unique("vendor"))
    live.world.project(vendor, "internal")
    staff = official_client(live, live.world.credential(vendor, staff=True))
    assert [p.project for p in staff.project.get_projects()] == ["internal"]


def test_a_client_credential_with_a_foreign_organization_id_is_refused_with_403(live: Live) -> None:
    foreign = org_with_project(live)
    own = live.world.org(unique("org"))
    cred = live.world.credential(own)
    # The constructor's workspace lookup already asks for the foreign organization.
    with pytest.raises(HTTPError) as e:
        official_client(live, cred, client_organization_id=foreign)
    assert e.value.response is not None and e.value.response.status_code == 403
    # Told its workspace, the client skips the lookup; the API still refuses every call.
    client = official_client(live, cred, client_organization_id=foreign, write_workspace_id="any")
    with pytest.raises(HTTPError) as e:
        client.project.get_projects()
    assert e.value.response is not None and e.value.response.status_code == 403
    assert f"may not act for organization {foreign}" in str(e.value)


def test_a_client_credential_naming_its_own_organization_works(live: Live) -> None:
    org = org_with_project(live)
    client = official_client(live, live.world.credential(org), client_organization_id=org)
    assert [p.project for p in client.project.get_projects()] == ["p1"]


def test_a_credentials_file_is_accepted_as_auth(live: Live, tmp_path: Path) -> None:
    org = org_with_project(live)
    cred = live.world.credential(org)
    path = tmp_path / "creds.json"
    path.write_text(
        json.dumps(
            {
                "clientId": cred.record.client_id,
                "clientSecret": cred.secret,
                "email": cred.record.email,
                "userId": cred.record.user_id,
                "issuer": "annobatch",
            }
        )
    )
    client = KognicIOClient(auth=str(path), host=live.url, auth_host=live.url, workspace_api_host=live.url)
    assert [p.project for p in client.project.get_projects()] == ["p1"]


def test_a_wrong_secret_gets_no_token(live: Live) -> None:
    org = live.world.org(unique("org"))
    cred = live.world.credential(org)
    with pytest.raises(OAuthError) as e:
        KognicIOClient(
            auth=(cred.record.client_id, "not-the-secret"),
            host=live.url,
            auth_host=live.url,
            workspace_api_host=live.url,
        )
    assert e.value.error == "invalid_client"


def test_a_revoked_credential_gets_no_token(live: Live) -> None:
    org = live.world.org(unique("org"))
    cred = live.world.credential(org)
    live.world.run(live.world.ops.accounts.revoke_credential(cred.record.client_id))
    with pytest.raises(OAuthError) as e:
        official_client(live, cred)
    assert e.value.error == "invalid_client"


def test_hosts_with_a_trailing_slash_still_work_for_every_call(live: Live) -> None:
    org = org_with_project(live)
    client = official_client(live, live.world.credential(org), host=live.url + "/")
    assert [p.project for p in client.project.get_projects()] == ["p1"]
    assert (
        client.project.create_batch("p1", "b2", publish_previous_batches=True).status
        == ProjectBatchStatus.OPEN
    )
    assert client.project.publish_batch("p1", "b2").status == ProjectBatchStatus.READY
    assert client.project.get_annotation_types("p1", "b2") == ["object-detection"]
    assert [b.status for b in client.project.get_project_batches("p1")] == [ProjectBatchStatus.READY] * 2

"""Against one live server, every seed call through our SDK and through the official kognic-io
client returns the same data, and fails the same way."""

from __future__ import annotations

from typing import Any

import pytest
from kognic.io.client import KognicIOClient
from requests import HTTPError

from annobatch import BadRequest, Client, Conflict, NotFound
from conftest import Live, unique

PROJECT_FIELDS = ("project", "title", "description", "status", "created")
BATCH_FIELDS = ("project", "batch", "title", "status", "created", "updated")


def same(ours: list[Any], theirs: list[Any], names: tuple[str, ...]) -> None:
    assert len(ours) == len(theirs)
    for mine, official in zip(ours, theirs, strict=True):
        for name in names:
            a, b = getattr(mine, name), getattr(official, name)
            if name == "status":
                a, b = str(getattr(a, "value", a)), str(getattr(b, "value", b))
            assert a == b, f"{name}: {a!r} != {b!r}"


@pytest.fixture
def both(live: Live) -> tuple[Client, KognicIOClient]:
    org = live.world.org(unique("twins"))
    live.world.project(org, "p1", ["object-detection", "lane-marking"], description="cameras")
    live.world.project(org, "p2", [])
    live.world.batch(org, "p1", "b1")
    cred = live.world.credential(org)
    auth = (cred.record.client_id, cred.secret)
    ours = Client(live.url, auth)
    theirs = KognicIOClient(auth=auth, host=live.url, auth_host=live.url, workspace_api_host=live.url)
    return ours, theirs


def test_get_projects_is_the_same(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    same(ours.project.get_projects(), theirs.project.get_projects(), PROJECT_FIELDS)


def test_get_project_batches_is_the_same(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    same(ours.project.get_project_batches("p1"), theirs.project.get_project_batches("p1"), BATCH_FIELDS)


def test_create_batch_answers_alike_and_both_see_the_result(
    both: tuple[Client, KognicIOClient],
) -> None:
    ours, theirs = both
    mine = ours.project.create_batch("p1", "b2")
    official = theirs.project.create_batch("p1", "b3")
    same([mine], [official], ("project", "status"))
    assert (mine.title, official.title) == ("b2", "b3")
    same([ours.project.create_batch("p2", "b1")], [theirs.project.get_project_batches("p2")[0]], BATCH_FIELDS)
    same(ours.project.get_project_batches("p1"), theirs.project.get_project_batches("p1"), BATCH_FIELDS)


def test_create_batch_publishing_previous_batches_is_the_same(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    theirs.project.create_batch("p1", "b2", publish_previous_batches=True)
    ours.project.create_batch("p1", "b3", publish_previous_batches=True)
    batches = ours.project.get_project_batches("p1")
    assert [(b.batch, b.status) for b in batches] == [("b1", "ready"), ("b2", "ready"), ("b3", "open")]
    same(batches, theirs.project.get_project_batches("p1"), BATCH_FIELDS)


def test_publish_batch_is_the_same(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    mine = ours.project.publish_batch("p1", "b1")
    official = theirs.project.publish_batch("p1", "b1")  # already ready: answered unchanged
    assert mine.status == "ready"
    same([mine], [official], BATCH_FIELDS)


def test_get_annotation_types_is_the_same(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    assert ours.project.get_annotation_types("p1") == theirs.project.get_annotation_types("p1")
    assert ours.project.get_annotation_types("p1", "b1") == theirs.project.get_annotation_types("p1", "b1")
    assert ours.project.get_annotation_types("p1") == ["object-detection", "lane-marking"]


def test_an_unknown_project_fails_the_same_way(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    with pytest.raises(NotFound) as mine:
        ours.project.get_project_batches("nope")
    with pytest.raises(HTTPError) as official:
        theirs.project.get_project_batches("nope")
    assert official.value.response is not None
    assert official.value.response.status_code == mine.value.status == 404
    assert f"'{mine.value.message}'" in str(official.value)


def test_a_duplicate_batch_fails_the_same_way(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    with pytest.raises(Conflict) as mine:
        ours.project.create_batch("p1", "b1")
    with pytest.raises(HTTPError) as official:
        theirs.project.create_batch("p1", "b1")
    assert official.value.response is not None
    assert official.value.response.status_code == mine.value.status == 409
    assert f"'{mine.value.message}'" in str(official.value)


def test_an_invalid_batch_id_fails_with_the_same_message(both: tuple[Client, KognicIOClient]) -> None:
    ours, theirs = both
    with pytest.raises(BadRequest) as mine:
        ours.project.create_batch("p1", "bad:id")
    with pytest.raises(RuntimeError) as official:
        theirs.project.create_batch("p1", "bad:id")
    assert str(official.value) == str(mine.value)

"""What the workforce, task and review API tests share: organization `acme` with project `p1`
(type `object-detection`) and batch `b1` holding created scenes (each input with its annotate task,
as the scene API makes them), a client of it, an annotator and a reviewer of `p1`, and the calls a
tool makes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import TestClient
from scenes_testing import Api, api, cameras_body

from annobatch.services.accounts import NewCredential
from annobatch.services.identity import operator
from conftest import World, bearer

__all__ = ["api"]

TYPE = "object-detection"


def openlabel(*classes: str) -> dict[str, Any]:
    objects = {str(i): {"name": f"{c}-{i}", "type": c} for i, c in enumerate(classes, 1)}
    return {"openlabel": {"metadata": {"schema_version": "1.0.0"}, "objects": objects}}


@dataclass
class Crew:
    api: Api
    world: World
    annotator: dict[str, str]
    reviewer: dict[str, str]
    annotator_id: int
    reviewer_id: int
    scenes: list[str] = field(default_factory=list)

    @property
    def client(self) -> TestClient[Any]:
        return self.api.client

    def member(
        self, role: str, project: str | None = "p1", org: int | None = None
    ) -> tuple[NewCredential, dict[str, str]]:
        cred = self.world.run(self.world.ops.workforce.create_member(org or self.api.org, role, f"{role}-x"))
        if project is not None:
            staff = operator(org or self.api.org)
            self.world.run(self.world.ops.workforce.add_to_project(staff, project, cred.record.user_id))
        return cred, bearer(self.client, cred)

    def scene(self, external_id: str) -> str:
        sid = self.api.initialize()
        self.api.upload_all(
            self.api.create(cameras_body(sid, external_id=external_id)).json()["data"]["files"]
        )
        assert self.api.commit(sid).status_code == 200
        self.scenes.append(sid)
        return sid

    def publish(self, batch: str = "b1") -> None:
        r = self.client.post(f"/v1/projects/p1/batches/{batch}/publish", headers=self.api.headers)
        assert r.status_code == 200, r.text

    def call(
        self, method: str, path: str, headers: dict[str, str], json: Any = None, status: int = 200
    ) -> Any:
        r = self.client.request(method, path, headers=headers, json=json)
        assert r.status_code == status, (method, path, r.status_code, r.text)
        return r.json()

    def claim(self, headers: dict[str, str], **body: Any) -> dict[str, Any]:
        return dict(self.call("POST", "/v1/workforce/tasks/claim", headers, body)["data"])

    def submit(self, headers: dict[str, str], task: str, *classes: str, status: int = 200) -> Any:
        body = {"annotations": {TYPE: openlabel(*classes)}}
        return self.call("POST", f"/v1/workforce/tasks/{task}/submit", headers, body, status)

    def review(self, task: str, accepted: bool, feedback: list[dict[str, Any]] | None = None) -> Any:
        body = {"accepted": accepted, "feedbackItems": feedback or []}
        return self.call("POST", f"/v1/workforce/tasks/{task}/review", self.reviewer, body)["data"]

    def deliver(self, *classes: str) -> dict[str, Any]:
        """The next input annotated and accepted: its claimed annotate task's detail."""
        detail = self.claim(self.annotator, kind="annotate")
        self.submit(self.annotator, detail["task"]["id"], *classes)
        self.review(self.claim(self.reviewer)["task"]["id"], True)
        return detail

    def request_input(self, input_id: str) -> dict[str, Any]:
        return dict(self.call("GET", f"/v2/request-inputs/{input_id}", self.api.headers)["data"])


@pytest.fixture
def crew(api: Api, world: World) -> Crew:
    made = Crew(api, world, {}, {}, 0, 0)
    ann, made.annotator = made.member("annotator")
    rev, made.reviewer = made.member("reviewer")
    made.annotator_id, made.reviewer_id = ann.record.user_id, rev.record.user_id
    made.scene("front-1")
    made.scene("front-2")
    return made

"""The wall between tenants, for every operation of the API: a matrix generated from the app's
route table, so that a new endpoint cannot be missed.

The target is workspace `default` of organization `acme`: a lidars-and-cameras sequence scene
with its files, a calibration and IMU data, its input in batch `b1` of project `p1`, a pending
scene with an uploaded file, and IMU data sent for a scene not created yet. Every operation is
called by two intruders naming those objects' real ids: a client of another organization, and a
client of `acme` bound to its workspace `lidar`. Each must be answered as if the objects did not
exist: 404 (or the documented 400 of a create that names a missing calibration or IMU data, or
403 for a staff operation), and a listing answers 200 without them. Afterwards the target is
checked to be untouched.

Projects and batches belong to the organization, not to a workspace (as on the official
platform, where workspaces scope scenes and inputs): a client bound to a workspace sees and uses
its organization's projects and batches, but of their inputs, counts and audit log only what
belongs to its own workspace.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from annobatch.server.app import create_app
from annobatch.services.deliveries import request_uid
from annobatch.services.identity import operator
from annobatch.settings import Settings
from annobatch.storage.blobs import open_blob_store
from annobatch.storage.records import BatchRecord
from annobatch.storage.unit_of_work import UnitOfWork
from conftest import World, bearer
from delivery_seeds import Seed

T0 = 1_700_000_000_000_000_000  # ns
ORIGIN = {"position": {"x": 0, "y": 0, "z": 0}, "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0}}
CALIBRATION = {
    "lidar": {"calibration_type": "lidar", **ORIGIN},
    "CAM": {
        "calibration_type": "pinhole",
        **ORIGIN,
        "camera_matrix": {"fx": 800.0, "fy": 800.0, "cx": 4.0, "cy": 4.0},
        "distortion_coefficients": {"k1": 0.0, "k2": 0.0, "p1": 0.0, "p2": 0.0, "k3": 0.0},
        "image_width": 8,
        "image_height": 8,
    },
}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) + b"\xff\xd9"
PCD = (
    b"# .PCD v0.7\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1\n"
    b"HEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS 1\nDATA ascii\n1 2 3\n"
)

OPENLABEL = {"openlabel": {"metadata": {"schema_version": "1.0.0"}}}

OTHER_ORG, OTHER_WORKSPACE = "another organization's client", "a client bound to another workspace"
INTRUDERS = [OTHER_ORG, OTHER_WORKSPACE]


def imu_body(scene_id: str) -> dict[str, Any]:
    samples = [
        {
            "position": {"x": float(i), "y": 0, "z": 0},
            "rotationQuaternion": {"w": 1, "x": 0, "y": 0, "z": 0},
            "timestamp": T0 - 1_000_000_000 + i * 1_000_000_000,
        }
        for i in range(5)
    ]
    return {"imuData": samples, "internalId": scene_id}


def sequence_body(scene_id: str, calibration: str, imu: str) -> dict[str, Any]:
    frames = [
        {
            "frameId": str(i),
            "relativeTimestamp": i * 100,
            "pointClouds": [{"filename": f"/d/pc{i}.pcd", "sensorName": "lidar"}],
            "images": [{"filename": f"/d/img{i}.jpg", "sensorName": "CAM"}],
            "egoVehiclePose": {
                "position": {"x": float(i), "y": 0, "z": 0},
                "rotation": {"w": 1, "x": 0, "y": 0, "z": 0},
            },
            "unixTimestamp": T0 + i * 100_000_000,
        }
        for i in range(2)
    ]
    return {
        "externalId": "target-scene-ext",
        "internalId": scene_id,
        "frames": frames,
        "calibrationId": calibration,
        "imuData": imu,
    }


def cameras_body(scene_id: str, external_id: str) -> dict[str, Any]:
    return {
        "externalId": external_id,
        "internalId": scene_id,
        "frame": {"images": [{"filename": "/d/cam.jpg", "sensorName": "CAM"}]},
    }


@dataclass
class Target:
    """Workspace `default` of organization `acme`, its objects, and who calls."""

    client: TestClient[Any]
    world: World
    settings: Settings
    org: int
    workspace: str
    scene: str
    pending: str
    input: str
    calibration: str
    imu: str
    unsent_imu: str
    unsent_scene: str
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    #: The input's delivered annotation, a review of it, and the batch's request id.
    annotation: str = ""
    review: str = ""
    request: str = ""
    task: str = ""
    #: A pre-annotation of the scene.
    pre_annotation: str = ""

    @property
    def secrets(self) -> dict[str, str]:
        """What no intruder's answer may contain."""
        return {
            "the scene": self.scene,
            "the pending scene": self.pending,
            "the input": self.input,
            "the calibration": self.calibration,
            "the IMU data": self.imu,
            "the unsent scene's IMU data": self.unsent_imu,
            "the unsent scene": self.unsent_scene,
            "the workspace": self.workspace,
            "the scene's external id": "target-scene-ext",
            "the pending scene's external id": "target-pending-ext",
            "the calibration's external id": "target-rig-ext",
            "the annotation": self.annotation,
            "the review": self.review,
            "the task": self.task,
            "the pre-annotation": self.pre_annotation,
            "the pre-annotation's external id": "target-pre-ext",
        }


def post_ok(client: TestClient[Any], path: str, body: Any, headers: dict[str, str]) -> Any:
    r = client.post(path, json=body, headers=headers)
    assert r.status_code == 200, (path, r.text)
    return r.json()["data"]


def build_target(client: TestClient[Any], world: World, settings: Settings) -> Target:
    acme, globex = world.org("acme"), world.org("globex")
    world.run(world.ops.accounts.create_workspace(acme, "lidar"))
    world.project(acme, "p1", ["object-detection"])
    world.batch(acme, "p1", "b1")
    world.project(globex, "own")
    owner = bearer(client, world.credential(acme, workspace="default"))
    ws = world.run(world.ops.accounts.find_workspace(acme, "default")).id
    q = f"?workspaceId={ws}"
    cal = post_ok(
        client, f"/v1/calibrations{q}", {"externalId": "target-rig-ext", "calibration": CALIBRATION}, owner
    )["id"]
    scene = str(uuid.uuid4())
    imu = post_ok(client, f"/v1/imu{q}", imu_body(scene), owner)["resourceId"]
    created = post_ok(
        client, f"/v1/inputs/project/p1/lidars-and-cameras-sequence{q}", sequence_body(scene, cal, imu), owner
    )
    for name, url in created["files"].items():
        r = client.put(url, content=PCD if name.endswith(".pcd") else JPEG)
        assert r.status_code == 200, r.text
    assert post_ok(client, f"/v1/inputs/{scene}/actions/commit", None, owner)["status"] == "created"
    pending = str(uuid.uuid4())
    files = post_ok(
        client, f"/v1/inputs/project/p1/cameras{q}", cameras_body(pending, "target-pending-ext"), owner
    )["files"]
    for url in files.values():
        assert client.put(url, content=JPEG).status_code == 200
    (inp,) = post_ok(client, "/v2/inputs/query", {}, owner)
    unsent_scene = str(uuid.uuid4())
    unsent_imu = post_ok(client, f"/v1/imu{q}", imu_body(unsent_scene), owner)["resourceId"]
    target = Target(
        client, world, settings, acme, ws, scene, pending, inp["uuid"], cal, imu, unsent_imu, unsent_scene
    )
    seed_work(target)
    target.pre_annotation = post_ok(
        client,
        "/v1/pre-annotations",
        {"sceneUuid": scene, "externalId": "target-pre-ext", "preAnnotation": OPENLABEL},
        owner,
    )["id"]
    target.headers = {
        "owner": owner,
        OTHER_ORG: bearer(client, world.credential(globex)),
        OTHER_WORKSPACE: bearer(client, world.credential(acme, workspace="lidar")),
    }
    return target


def seed_work(t: Target) -> None:
    """The input's work, delivered: an annotation version and a client's review of it."""
    seed = Seed(t.world.ops.db, t.world.runner, t.settings.data_dir / "blobs")

    async def batch_b1() -> BatchRecord:
        async with t.world.ops.db.transaction() as tx:
            uow = UnitOfWork(tx)
            p1 = await uow.projects.get(t.org, "p1")
            assert p1 is not None
            (b1,) = [b for b in await uow.batches.of(p1.id) if b.external_id == "b1"]
            return b1

    b1 = t.world.run(batch_b1())
    t.annotation = seed.version(b1, t.input, t.scene, "object-detection", org=t.org)
    t.review = seed.review(t.input, org=t.org, project_id=b1.project_id, annotation_id=t.annotation)
    t.request = request_uid(b1.id)

    async def open_task() -> str:
        async with t.world.ops.db.transaction() as tx:
            (task,) = await UnitOfWork(tx).tasks.open_of_input(t.input)
            return task.id

    t.task = t.world.run(open_task())


def untouched(t: Target) -> list[str]:
    """What an intruder changed of the target (nothing, if the wall holds)."""
    c, h = t.client, t.headers["owner"]
    problems = []
    scenes = c.post("/v2/scenes/query", json={"sceneUuids": [t.scene, t.pending]}, headers=h)
    if scenes.status_code != 200:
        return [f"the owner cannot read its scenes any more: {scenes.text}"]
    statuses = {s["uuid"]: s["status"] for s in scenes.json()["data"]}
    if statuses != {t.scene: "created", t.pending: "pending"}:
        problems.append(f"the scenes' statuses changed: {statuses}")
    inputs = c.post("/v2/inputs/query", json={}, headers=h).json()["data"]
    if [i["uuid"] for i in inputs] != [t.input]:
        problems.append(f"the inputs changed: {inputs}")
    pres = c.get("/v2/pre-annotations", headers=h).json()["data"]
    if [p["id"] for p in pres] != [t.pre_annotation]:
        problems.append(f"the pre-annotations changed: {pres}")
    blobs = open_blob_store(t.settings.data_dir)
    for sid in (t.scene, t.pending):
        detail = t.world.run(t.world.ops.scenes.scene(operator(t.org), sid, include_invalidated=True))
        for r in detail.resources:
            try:
                t.world.run(blobs.read(r.blob_key or "missing", 1))
            except FileNotFoundError:
                problems.append(f"file {r.resource_id} of scene {sid} is gone")
    return problems


# ------------------------------------------------------------------------------------ the cases


@dataclass(frozen=True)
class Call:
    """One request and the answer expected: a status for both intruders, or one each
    (another organization's client, then the other workspace's); with `code`, the error code too."""

    method: str
    path: str
    json: Any = None
    expect: int | tuple[int, int] = 404
    code: str | None = None
    check: Callable[[Any], str | None] | None = None

    def expected(self, intruder: str) -> int:
        if isinstance(self.expect, int):
            return self.expect
        return self.expect[INTRUDERS.index(intruder)]


#: Organization-level objects: the other workspace's client sees them (200), another
#: organization's client does not (404).
SHARED = (404, 200)


def no_counted_inputs(body: Any) -> str | None:
    counts = body["data"]["inputCounts"]
    return None if counts.get("total", 0) == 0 else f"counts the target's inputs: {counts}"


def no_progress(body: Any) -> str | None:
    counted = [r["inputProgressCounts"] for r in body["data"] if r["inputProgressCounts"]["total"]]
    return None if not counted else f"counts the target's inputs: {counted}"


def no_data(body: Any) -> str | None:
    return None if body["data"] == [] else f"lists the target's inputs: {body['data']}"


def scene_creates(prefix: str) -> Callable[[Target], list[Call]]:
    """A scene filed in the target workspace; one naming the target's calibration; one naming the
    IMU data it sent for a scene of its own."""

    def calls(t: Target) -> list[Call]:
        lidars = {
            "externalId": "intruder",
            "internalId": t.unsent_scene,
            "frame": {"pointClouds": [{"filename": "/d/pc.pcd"}], "unixTimestamp": T0},
            "imuData": t.unsent_imu,
        }
        with_cal = {
            "externalId": "intruder",
            "internalId": str(uuid.uuid4()),
            "frame": {
                "pointClouds": [{"filename": "/d/pc.pcd", "sensorName": "lidar"}],
                "images": [{"filename": "/d/c.jpg", "sensorName": "CAM"}],
            },
            "calibrationId": t.calibration,
        }
        return [
            Call("POST", f"{prefix}/cameras?workspaceId={t.workspace}", cameras_body(str(uuid.uuid4()), "x")),
            Call("POST", f"{prefix}/lidars-and-cameras", with_cal, 400, "calibration-not-found"),
            Call("POST", f"{prefix}/lidars", lidars, 400, "imu-not-found"),
        ]

    return calls


def v2_scene(workspace: str | None = None, calibration: str | None = None) -> dict[str, Any]:
    """A v2 scene naming the target's workspace, or (with a point cloud) its calibration."""
    frame: dict[str, Any] = {
        "id": "1",
        "timestampNs": T0,
        "images": [{"resource": {"localFilename": "a.jpg"}}],
    }
    if calibration is not None:
        frame["pointClouds"] = {"resources": [{"sensorName": "lidar", "localFilename": "a.pcd"}]}
    body: dict[str, Any] = {"externalId": "intruder-v2", "convertedSpecification": {"frames": [frame]}}
    if workspace is not None:
        body["workspaceId"] = workspace
    if calibration is not None:
        body["calibrationId"] = calibration
    return body


CASES: dict[tuple[str, str], Callable[[Target], list[Call]]] = {
    # workspaces: a listing
    ("GET", "/v1/workspaces"): lambda t: [
        Call("GET", "/v1/workspaces", expect=200),
        Call("GET", f"/v1/workspaces?organizationIds={t.org}", expect=(403, 200)),
    ],
    # projects and batches: the organization's
    ("GET", "/v1/projects"): lambda t: [Call("GET", "/v1/projects", expect=200)],
    ("POST", "/v1/projects"): lambda t: [
        Call("POST", "/v1/projects", {"project": "p1", "title": "P"}, 403, "staff-only")
    ],
    ("GET", "/v1/projects/{project}"): lambda t: [Call("GET", "/v1/projects/p1", expect=SHARED)],
    ("PUT", "/v1/projects/{project}/status"): lambda t: [
        Call("PUT", "/v1/projects/p1/status", {"status": "archived"}, 403, "staff-only")
    ],
    ("GET", "/v1/projects/{project}/annotation-types"): lambda t: [
        Call("GET", "/v1/projects/p1/annotation-types", expect=SHARED)
    ],
    ("PUT", "/v1/projects/{project}/annotation-types"): lambda t: [
        Call("PUT", "/v1/projects/p1/annotation-types", {"annotationTypes": ["x"]}, 403, "staff-only")
    ],
    ("GET", "/v1/projects/{project}/events"): lambda t: [
        Call("GET", "/v1/projects/p1/events", expect=SHARED)
    ],
    ("GET", "/v1/projects/{project}/batches"): lambda t: [
        Call("GET", "/v1/projects/p1/batches", expect=SHARED)
    ],
    ("GET", "/v1/projects/{project}/batches/{batch}"): lambda t: [
        Call("GET", "/v1/projects/p1/batches/b1", expect=SHARED, check=no_counted_inputs)
    ],
    ("POST", "/v1/projects/{project}/batches/{batch}"): lambda t: [
        Call("POST", "/v1/projects/p1/batches/b9", expect=SHARED)
    ],
    ("POST", "/v1/projects/{project}/batches/{batch}/publish"): lambda t: [
        Call("POST", "/v1/projects/p1/batches/b1/publish", expect=SHARED)
    ],
    ("POST", "/v1/projects/{project}/batches/{batch}/actions/{action}"): lambda t: [
        Call("POST", "/v1/projects/p1/batches/b1/actions/archive", expect=(404, 403))
    ],
    ("GET", "/v1/projects/{project}/batches/{batch}/annotation-types"): lambda t: [
        Call("GET", "/v1/projects/p1/batches/b1/annotation-types", expect=SHARED)
    ],
    ("PUT", "/v1/projects/{project}/batches/{batch}/annotation-types"): lambda t: [
        Call("PUT", "/v1/projects/p1/batches/b1/annotation-types", {"annotationTypes": ["x"]}, 403)
    ],
    ("GET", "/v1/projects/{project}/batches/{batch}/events"): lambda t: [
        Call("GET", "/v1/projects/p1/batches/b1/events", expect=SHARED)
    ],
    # scenes: the creation flow
    ("POST", "/v1/inputs/initialize"): lambda t: [
        Call("POST", "/v1/inputs/initialize", {"workspaceId": t.workspace}),
        Call("POST", f"/v1/inputs/initialize?workspaceId={t.workspace}"),
    ],
    ("POST", "/v1/inputs/{scene_type}"): scene_creates("/v1/inputs"),
    ("POST", "/v1/inputs/project/{project}/{scene_type}"): scene_creates("/v1/inputs/project/p1"),
    ("POST", "/v1/inputs/project/{project}/batch/{batch}/{scene_type}"): scene_creates(
        "/v1/inputs/project/p1/batch/b1"
    ),
    ("POST", "/v1/inputs/{scene}/actions/commit"): lambda t: [
        Call("POST", f"/v1/inputs/{t.scene}/actions/commit"),
        Call("POST", f"/v1/inputs/{t.pending}/actions/commit"),
    ],
    ("POST", "/v1/inputs/{scene}/actions/retarget"): lambda t: [
        Call("POST", f"/v1/inputs/{t.pending}/actions/retarget", {"project": "p1", "batch": "b1"}),
        Call("POST", f"/v1/inputs/{t.scene}/actions/retarget", {"project": "p1"}),
    ],
    ("POST", "/v1/inputs/{scene}/actions/abandon"): lambda t: [
        Call("POST", f"/v1/inputs/{t.pending}/actions/abandon"),
        Call("POST", f"/v1/inputs/{t.scene}/actions/abandon"),
    ],
    ("PUT", "/v1/uploads/{scene}/{position}"): lambda t: [
        Call("PUT", f"/v1/uploads/{t.pending}/0", b"bytes", 403, "bad-signature")
    ],
    ("POST", "/v1/imu"): lambda t: [Call("POST", f"/v1/imu?workspaceId={t.workspace}", imu_body(t.scene))],
    # scenes: reading and invalidating
    ("POST", "/v2/scenes/query"): lambda t: [
        Call("POST", "/v2/scenes/query", {"sceneUuids": [t.scene]}),
        Call("POST", "/v2/scenes/query", {"sceneUuids": [t.pending]}),
        Call("POST", "/v2/scenes/query", {"externalIds": ["target-scene-ext"]}),
    ],
    ("GET", "/v2/scenes/{scene}"): lambda t: [
        Call("GET", f"/v2/scenes/{t.scene}"),
        Call("GET", f"/v2/scenes/{t.scene}?includeInvalidated=true"),
    ],
    ("GET", "/v2/scenes/{scene}/ego-poses"): lambda t: [Call("GET", f"/v2/scenes/{t.scene}/ego-poses")],
    ("POST", "/v2/scenes"): lambda t: [
        Call("POST", "/v2/scenes", v2_scene(workspace=t.workspace)),
        Call("POST", "/v2/scenes", v2_scene(calibration=t.calibration), 400, "calibration-not-found"),
    ],
    ("PATCH", "/v2/scenes/{scene}"): lambda t: [
        Call("PATCH", f"/v2/scenes/{t.scene}", {"status": "indexed"}),
        Call("PATCH", f"/v2/scenes/{t.scene}", {"status": "created"}),
    ],
    ("POST", "/v2/scenes/actions/invalidate"): lambda t: [
        Call("POST", "/v2/scenes/actions/invalidate", {"sceneUuids": [t.scene], "reason": "duplicate"}),
    ],
    ("POST", "/v1/inputs/actions/invalidate"): lambda t: [
        Call(
            "POST",
            "/v1/inputs/actions/invalidate",
            {"inputIds": [t.pending], "invalidatedReason": "duplicate"},
        ),
    ],
    # inputs
    ("POST", "/v2/inputs/query"): lambda t: [
        Call("POST", "/v2/inputs/query", {}, 200),
        Call("POST", "/v2/inputs/query", {"sceneUuids": [t.scene]}, 200),
        Call("POST", "/v2/inputs/query", {"externalIds": ["target-scene-ext"]}, 200),
        Call("POST", "/v2/inputs/query", {"project": "p1", "batch": "b1"}, SHARED),
    ],
    ("POST", "/v1/inputs/fetch"): lambda t: [
        Call("POST", "/v1/inputs/fetch", {"project": "p1", "includeInvalidated": True}, SHARED),
        Call("POST", "/v1/inputs/fetch", {"project": "p1", "externalIds": ["target-scene-ext"]}, SHARED),
    ],
    ("POST", "/v1/inputs/query"): lambda t: [
        Call("POST", "/v1/inputs/query", {"uuids": [t.scene, t.pending]}, 200)
    ],
    ("POST", "/v1/inputs"): lambda t: [
        Call("POST", "/v1/inputs", {"sceneUuid": t.scene, "project": "p1", "batch": "b1"})
    ],
    ("POST", "/v2/inputs"): lambda t: [
        Call("POST", "/v2/inputs", {"sceneUuid": t.scene, "projectExtId": "p1", "batchExtId": "b1"})
    ],
    ("DELETE", "/v2/inputs/{input_uuid}"): lambda t: [Call("DELETE", f"/v2/inputs/{t.input}")],
    # requests and request inputs: a request is a batch (the organization's); its inputs and their
    # counts are the caller's workspace's
    ("GET", "/v2/requests"): lambda t: [
        Call(
            "GET",
            "/v2/requests?projectId=p1&includeInputProgressCounts=true",
            expect=SHARED,
            check=no_progress,
        )
    ],
    ("GET", "/v2/request-inputs"): lambda t: [
        Call("GET", f"/v2/request-inputs?requestId={t.request}", expect=SHARED, check=no_data),
        Call(
            "GET", f"/v2/request-inputs?requestId={t.request}&sceneId={t.scene}", expect=SHARED, check=no_data
        ),
    ],
    ("GET", "/v2/request-inputs/{request_input}"): lambda t: [Call("GET", f"/v2/request-inputs/{t.input}")],
    ("GET", "/v0/request-inputs/{request_input}/auto-reviews"): lambda t: [
        Call("GET", f"/v0/request-inputs/{t.input}/auto-reviews")
    ],
    # annotations and reviews
    ("GET", "/v1/annotations/{annotation}"): lambda t: [Call("GET", f"/v1/annotations/{t.annotation}")],
    ("GET", "/v2/inputs/{input_uuid}/annotation"): lambda t: [
        Call("GET", f"/v2/inputs/{t.input}/annotation")
    ],
    ("GET", "/v2/scenes/{scene}/annotations"): lambda t: [Call("GET", f"/v2/scenes/{t.scene}/annotations")],
    ("GET", "/v1/annotations/inputs/{scene}/annotation-type/{annotation_type}"): lambda t: [
        Call("GET", f"/v1/annotations/inputs/{t.scene}/annotation-type/object-detection")
    ],
    ("GET", "/v1/annotations/projects/{project}/annotation-type/{annotation_type}/search"): lambda t: [
        Call("GET", "/v1/annotations/projects/p1/annotation-type/object-detection/search", expect=SHARED)
    ],
    (
        "GET",
        "/v1/annotations/projects/{project}/batch/{batch}/annotation-type/{annotation_type}/search",
    ): lambda t: [
        Call(
            "GET",
            "/v1/annotations/projects/p1/batch/b1/annotation-type/object-detection/search",
            expect=SHARED,
        )
    ],
    ("GET", "/v1/reviews/{review}"): lambda t: [Call("GET", f"/v1/reviews/{t.review}")],
    ("POST", "/v1/annotations/{annotation}/review"): lambda t: [
        Call("POST", f"/v1/annotations/{t.annotation}/review", {"accepted": True}),
        Call("POST", f"/v1/annotations/{t.annotation}/review", {"accepted": False, "workflow": "correct"}),
    ],
    # tasks: the client assigns; the workforce API is the workforce's and staff's (clients: 404)
    ("PATCH", "/v1/tasks/{task}"): lambda t: [
        Call("PATCH", f"/v1/tasks/{t.task}", {"assignedUserId": None}),
        Call("PATCH", f"/v1/tasks/{t.task}", {"assignedUserId": 1}),
    ],
    ("GET", "/v1/workforce/projects"): lambda t: [Call("GET", "/v1/workforce/projects")],
    ("GET", "/v1/workforce/tasks"): lambda t: [Call("GET", "/v1/workforce/tasks?project=p1")],
    ("GET", "/v1/workforce/tasks/{task}"): lambda t: [Call("GET", f"/v1/workforce/tasks/{t.task}")],
    ("POST", "/v1/workforce/tasks/claim"): lambda t: [
        Call("POST", "/v1/workforce/tasks/claim", {"project": "p1"})
    ],
    ("PUT", "/v1/workforce/tasks/{task}/draft"): lambda t: [
        Call("PUT", f"/v1/workforce/tasks/{t.task}/draft", {"annotations": {}})
    ],
    ("POST", "/v1/workforce/tasks/{task}/submit"): lambda t: [
        Call("POST", f"/v1/workforce/tasks/{t.task}/submit", {"annotations": {}})
    ],
    ("POST", "/v1/workforce/tasks/{task}/give-up"): lambda t: [
        Call("POST", f"/v1/workforce/tasks/{t.task}/give-up")
    ],
    ("POST", "/v1/workforce/tasks/{task}/review"): lambda t: [
        Call("POST", f"/v1/workforce/tasks/{t.task}/review", {"accepted": True})
    ],
    ("GET", "/v1/reviews/error-types"): lambda t: [Call("GET", "/v1/reviews/error-types", expect=200)],
    ("GET", "/v1/downloads/annotations/{annotation}"): lambda t: [
        Call("GET", f"/v1/downloads/annotations/{t.annotation}", expect=403, code="bad-signature")
    ],
    ("GET", "/v1/downloads/scenes/{scene}/{position}"): lambda t: [
        Call("GET", f"/v1/downloads/scenes/{t.scene}/0", expect=403, code="bad-signature")
    ],
    # pre-annotations: the scene's workspace's
    ("POST", "/v1/pre-annotations"): lambda t: [
        Call("POST", "/v1/pre-annotations", {"sceneUuid": t.scene, "preAnnotation": OPENLABEL}),
        Call("POST", "/v1/pre-annotations", {"sceneUuid": t.pending, "preAnnotation": OPENLABEL}),
    ],
    ("POST", "/v2/pre-annotations"): lambda t: [
        Call("POST", "/v2/pre-annotations", {"sceneUuid": t.scene, "externalResourceId": "s3://b/x.json"}),
        Call(
            "POST",
            "/v2/pre-annotations",
            {
                "sceneUuid": t.scene,
                "externalResourceId": "s3://b/x.json",
                "postponeExternalResourceImport": True,
            },
        ),
    ],
    ("GET", "/v2/pre-annotations"): lambda t: [
        Call("GET", "/v2/pre-annotations", expect=200, check=no_data),
        Call("GET", f"/v2/pre-annotations?uuids={t.pre_annotation}", expect=200, check=no_data),
        Call("GET", f"/v2/pre-annotations?sceneUuids={t.scene}", expect=200, check=no_data),
        Call("GET", "/v2/pre-annotations?externalIds=target-pre-ext", expect=200, check=no_data),
    ],
    ("GET", "/v2/pre-annotations/{pre_annotation}/resolved"): lambda t: [
        Call("GET", f"/v2/pre-annotations/{t.pre_annotation}/resolved")
    ],
    ("PATCH", "/v2/pre-annotations/{pre_annotation}"): lambda t: [
        Call("PATCH", f"/v2/pre-annotations/{t.pre_annotation}", {"status": "processing"})
    ],
    ("DELETE", "/v2/pre-annotations/{pre_annotation}"): lambda t: [
        Call("DELETE", f"/v2/pre-annotations/{t.pre_annotation}")
    ],
    ("PATCH", "/v2/inputs/{input_uuid}/pre-annotation"): lambda t: [
        Call("PATCH", f"/v2/inputs/{t.input}/pre-annotation", {"uuid": t.pre_annotation})
    ],
    ("POST", "/v1/workforce/inputs/{input_id}/auto-reviews"): lambda t: [
        Call("POST", f"/v1/workforce/inputs/{t.input}/auto-reviews", {"accepted": True})
    ],
    # calibrations
    ("GET", "/v1/calibrations"): lambda t: [
        Call("GET", f"/v1/calibrations?id={t.calibration}"),
        Call("GET", "/v1/calibrations", expect=200),
        Call("GET", "/v1/calibrations?externalId=target-rig-ext", expect=200),
    ],
    ("POST", "/v1/calibrations"): lambda t: [
        Call(
            "POST",
            f"/v1/calibrations?workspaceId={t.workspace}",
            {"externalId": "intruder-rig", "calibration": CALIBRATION},
        )
    ],
}

#: The routes that are not the wall's business, and why.
EXEMPT = {
    ("POST", "/v1/auth/oauth/token"): "no caller yet: it exchanges a credential's own secret for a token",
    ("GET", "/healthz"): "answers the process's and the database's health, nobody's data",
    ("GET", "/schema"): "the API's description",
    ("GET", "/schema/{path}"): "the API's description",
    ("GET", "/schema/openapi.json"): "the API's description",
    ("GET", "/schema/openapi.yaml"): "the API's description",
    ("GET", "/schema/openapi.yml"): "the API's description",
    ("GET", "/schema/swagger"): "the API's description",
    ("GET", "/schema/redoc"): "the API's description",
    ("GET", "/schema/rapidoc"): "the API's description",
    ("GET", "/schema/elements"): "the API's description",
    ("GET", "/schema/oauth2-redirect.html"): "the API's description",
}


def route_table() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, paths without their parameters' types."""
    settings = Settings(data_dir=Path("unused"), database_url="sqlite:///unused.db", public_url="")
    found = set()
    for route in create_app(settings).routes:
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            # The dashboard's pages find their caller in a session, not a token: their tenancy is
            # tested page by page (tests/server/test_dashboard_*.py, tests/browser/).
            if method not in {"OPTIONS", "HEAD"} and not handler.opt.get("dashboard"):
                found.add((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)))
    return sorted(found)


ROUTES = route_table()


def test_every_route_is_in_the_matrix_or_exempt_with_a_reason() -> None:
    unclassified = [r for r in ROUTES if r not in CASES and r not in EXEMPT]
    assert unclassified == [], "add these routes to CASES (or to EXEMPT, saying why)"
    stale = [r for r in [*CASES, *EXEMPT] if r not in ROUTES]
    assert stale == [], "these routes are gone: take them out of the matrix"
    assert not set(CASES) & set(EXEMPT)


def send(client: TestClient[Any], call: Call, headers: dict[str, str]) -> Any:
    kw: dict[str, Any] = {"headers": headers}
    if isinstance(call.json, bytes):
        kw["content"] = call.json
    elif call.json is not None:
        kw["json"] = call.json
    return client.request(call.method, call.path, **kw)


def as_if_missing(t: Target, call: Call) -> tuple[Call, dict[str, str]]:
    """The same call naming objects that do not exist (fresh uuids in place of the target's ids),
    and how to read its answer back in the target's ids."""
    fresh = {value: str(uuid.uuid4()) for value in t.secrets.values()}

    def swap(text: str) -> str:
        for value, other in fresh.items():
            text = text.replace(value, other)
        return text

    body = call.json
    if body is not None and not isinstance(body, bytes):
        body = json.loads(swap(json.dumps(body)))
    return replace(call, path=swap(call.path), json=body), {v: k for k, v in fresh.items()}


def answer_problem(t: Target, intruder: str, call: Call, r: Any) -> str | None:
    want = call.expected(intruder)
    if r.status_code != want:
        return f"answered {r.status_code}, not {want}: {r.text[:300]}"
    if call.code is not None and r.json().get("code") != call.code:
        return f"answered code {r.json().get('code')!r}, not {call.code!r}: {r.text[:300]}"
    if r.status_code >= 400:
        # A refusal must not tell the target's objects from missing ones.
        missing, back = as_if_missing(t, call)
        other = send(t.client, missing, t.headers[intruder])
        text = other.text
        for value, original in back.items():
            text = text.replace(value, original)
        if (other.status_code, text) != (r.status_code, r.text):
            missing_answer = f"{other.status_code} {other.text!r}"
            return f"answered {r.status_code} {r.text!r}, but {missing_answer} for missing objects"
        return None
    leaked = [what for what, value in t.secrets.items() if value in r.text]
    if leaked:
        return f"the answer shows {', '.join(leaked)}: {r.text[:300]}"
    return None if call.check is None else call.check(r.json())


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r not in EXEMPT])
def test_no_intruder_reaches_the_target_workspace(
    app_client: TestClient[Any], world: World, settings: Settings, method: str, path: str
) -> None:
    case = CASES.get((method, path))
    assert case is not None, f"{method} {path} is not in the tenancy matrix: add it to CASES or EXEMPT"
    t = build_target(app_client, world, settings)
    failures = []
    for intruder in INTRUDERS:
        for call in case(t):
            problem = answer_problem(t, intruder, call, send(app_client, call, t.headers[intruder]))
            if problem:
                failures.append(f"{intruder}: {call.method} {call.path}: {problem}")
    failures += [f"after the intruders: {p}" for p in untouched(t)]
    assert not failures, "\n".join(failures)


def test_the_owning_workspace_and_the_whole_organization_see_everything_of_it(
    app_client: TestClient[Any], world: World, settings: Settings
) -> None:
    t = build_target(app_client, world, settings)
    whole_org = bearer(app_client, world.credential(t.org))
    staff = {
        **bearer(app_client, world.credential(world.org("vendor"), staff=True)),
        "X-Organization-Id": str(t.org),
    }
    for h in (t.headers["owner"], whole_org, staff):
        assert app_client.get(f"/v2/scenes/{t.scene}", headers=h).status_code == 200
        assert app_client.get(f"/v2/scenes/{t.scene}/ego-poses", headers=h).status_code == 200
        assert app_client.get(f"/v1/calibrations?id={t.calibration}", headers=h).status_code == 200
        listed = app_client.get("/v1/calibrations", headers=h).json()["data"]
        assert [c["id"] for c in listed] == [t.calibration]
        fetched = app_client.post("/v1/inputs/fetch", json={"project": "p1"}, headers=h).json()["data"]
        assert [i["internalId"] for i in fetched] == [t.scene]
        by_scene = app_client.post("/v1/inputs/query", json={"uuids": [t.scene]}, headers=h).json()["data"]
        assert [i["internalId"] for i in by_scene] == [t.scene]
        batch = app_client.get("/v1/projects/p1/batches/b1", headers=h).json()["data"]
        assert batch["inputCounts"]["total"] == 1
        events = app_client.get("/v1/projects/p1/batches/b1/events", headers=h).json()["data"]
        assert [e["kind"] for e in events] == ["batch.created", "input.created", "pre-annotation.created"]


def test_a_workspace_sees_its_own_scenes_inputs_and_log_entries_beside_the_others(
    app_client: TestClient[Any], world: World, settings: Settings
) -> None:
    t = build_target(app_client, world, settings)
    lidar = t.headers[OTHER_WORKSPACE]
    cal = post_ok(app_client, "/v1/calibrations", {"externalId": "rig", "calibration": CALIBRATION}, lidar)[
        "id"
    ]
    scene = str(uuid.uuid4())
    imu = post_ok(app_client, "/v1/imu", imu_body(scene), lidar)["resourceId"]
    files = post_ok(
        app_client,
        "/v1/inputs/project/p1/lidars-and-cameras-sequence",
        {**sequence_body(scene, cal, imu), "externalId": "own"},
        lidar,
    )["files"]
    for name, url in files.items():
        assert app_client.put(url, content=PCD if name.endswith(".pcd") else JPEG).status_code == 200
    assert post_ok(app_client, f"/v1/inputs/{scene}/actions/commit", None, lidar)["status"] == "created"
    assert [i["sceneUuid"] for i in post_ok(app_client, "/v2/inputs/query", {}, lidar)] == [scene]
    assert [s["uuid"] for s in post_ok(app_client, "/v2/scenes/query", {"externalIds": ["own"]}, lidar)] == [
        scene
    ]
    batch = app_client.get("/v1/projects/p1/batches/b1", headers=lidar).json()["data"]
    assert batch["inputCounts"]["total"] == 1
    events = app_client.get("/v1/projects/p1/events", headers=lidar).json()["data"]
    assert [(e["kind"], e["data"].get("scene")) for e in events] == [
        ("project.created", None),
        ("batch.created", None),
        ("input.created", scene),
    ]
    # the whole organization sees both workspaces' inputs in the batch
    whole_org = bearer(app_client, world.credential(t.org))
    both = post_ok(app_client, "/v2/inputs/query", {"project": "p1", "batch": "b1"}, whole_org)
    assert sorted(i["sceneUuid"] for i in both) == sorted([t.scene, scene])
    assert (
        app_client.get("/v1/projects/p1/batches/b1", headers=whole_org).json()["data"]["inputCounts"]["total"]
        == 2
    )

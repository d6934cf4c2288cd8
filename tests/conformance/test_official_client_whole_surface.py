"""The official `kognic-io` 2.19.0 client's whole surface — every method that calls a server, on
every resource of `KognicIOClient`, and the `create_inputs` helper tool — run as one script against
one annobatch server (a real socket, all six hosts pointed at it, both databases), with the
organization's own bucket on a real S3 server (SeaweedFS) for the cloud-resource methods. Every step runs
and every failure is collected, so that one run names every method that does not work.

A guard enumerates the client's resources and their public methods: each must be a step of the
script, a method that sends nothing (`NO_HTTP`), or one the server does not serve yet
(`NOT_YET`, with the reason) — so a method cannot be left out unnoticed."""

from __future__ import annotations

import inspect
import json
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from kognic.io.client import KognicIOClient
from kognic.io.model.review.review import AddFeedbackItem, ReviewRequest, ReviewWorkflowEnum
from kognic.io.model.scene import aggregated_lidars_and_cameras_seq as agg
from kognic.io.model.scene import cameras as cam
from kognic.io.model.scene import cameras_sequence as cs
from kognic.io.model.scene import lidars as li
from kognic.io.model.scene import lidars_and_cameras as lc
from kognic.io.model.scene import lidars_and_cameras_sequence as lcs
from kognic.io.model.scene import lidars_sequence as ls
from kognic.io.model.scene.invalidated_reason import SceneInvalidatedReason
from kognic.io.model.scene.resources import Image, PointCloud
from kognic.io.model.scene.scene_request import Frame, ImageResource, LocalFile, SceneRequest
from kognic.io.tools.input_creation import create_inputs
from kognic.io.tools.model import SceneWithPreAnnotation
from kognic.openlabel.models import OpenLabelAnnotation
from test_annotation_work_official_client import Member, member
from test_inputs_scene_types import T0, calibration, csv_cloud, imu, jpeg, pcd, pose

from annobatch.services.deliveries import project_uuid
from annobatch.services.identity import operator
from annobatch.services.storage_keys import StorageKeys
from conftest import Live, unique
from liveserver import six_host_client
from s3_server import SHARED, S3Server

TYPE = "object-detection"

#: Methods that send nothing to a server (no-ops kept for compatibility, local helpers).
NO_HTTP = {
    "input.add_annotation_type": "a no-op since annotation types are the batch's",
    "input.remove_annotation_types": "a no-op since annotation types are the batch's",
}
#: Methods this server does not serve yet, and why (none: keep the guard's slot for new ones).
NOT_YET: dict[str, str] = {}
SCENE_RESOURCES = (
    "cameras",
    "cameras_sequence",
    "lidars",
    "lidars_sequence",
    "lidars_and_cameras",
    "lidars_and_cameras_sequence",
    "aggregated_lidars_and_cameras_seq",
)
RESOURCES = (
    "workspace", "calibration", "project", "annotation", "input", "pre_annotation", "scene", "review", "task",
    "request", *SCENE_RESOURCES,
)  # fmt: skip


def surface(client: KognicIOClient) -> set[str]:
    """Every public method of every resource of the client, as `resource.method`."""
    found = set()
    for name in RESOURCES:
        resource = getattr(client, name)
        for attr, _ in inspect.getmembers(type(resource), inspect.isfunction):
            if attr.startswith("_") or attr == "create_upload_spec":  # a static helper building a dict
                continue
            found.add(f"{name}.{attr}")
    return found


class Script:
    """Runs named steps, keeps going after a failure, and remembers what ran."""

    def __init__(self) -> None:
        self.ran: set[str] = set()
        self.failures: list[str] = []

    def step(self, name: str, fn: Callable[[], Any]) -> Any:
        self.ran.add(name)
        try:
            return fn()
        except Exception as e:
            tail = "".join(traceback.format_exception_only(type(e), e)).strip()
            self.failures.append(f"{name}: {tail[:500]}")
            return None


def unexpected() -> Any:
    """A step's answer was not what the script expects."""
    raise AssertionError("the answer is not what the script expects")


def document(*objects: str) -> dict[str, Any]:
    return {
        "openlabel": {
            "metadata": {"schema_version": "1.0.0"},
            "objects": {o: {"name": o, "type": "car"} for o in objects},
            "frames": {"0": {"frame_properties": {"timestamp": 0, "streams": {"CAM": {}}}}},
            "streams": {"CAM": {"type": "camera", "description": ""}},
        }
    }


@pytest.fixture
def six_hosts(live: Live) -> Iterator[tuple[KognicIOClient, int, Member, Member]]:
    org = live.world.org(unique("surface"))
    cred = live.world.credential(org)
    live.world.project(org, "p1", [TYPE])
    live.world.batch(org, "p1", "b1")
    url = live.url
    client = six_host_client(url, (cred.record.client_id, cred.secret))
    clients: list[httpx.Client] = []
    ann = member(live, org, "annotator", "ann", clients)
    rev = member(live, org, "reviewer", "rev", clients)
    yield client, org, ann, rev
    for c in clients:
        c.close()


def test_the_guard_knows_every_method_of_the_client(live: Live) -> None:
    cred = live.world.credential(live.world.org(unique("guard")))
    client = KognicIOClient(
        auth=(cred.record.client_id, cred.secret),
        host=live.url,
        auth_host=live.url,
        workspace_api_host=live.url,
    )
    methods = surface(client)
    assert len(methods) > 50
    assert set(NO_HTTP) <= methods and set(NOT_YET) <= methods
    assert {"scene.create_scene", "pre_annotation.create_from_cloud_resource"} <= methods


def test_the_official_clients_whole_surface_against_one_server(
    live: Live, six_hosts: tuple[KognicIOClient, int, Member, Member], tmp_path: Path, s3: S3Server
) -> None:
    client, org, ann, rev = six_hosts
    keys = StorageKeys(s3.admin.access_key_id, s3.admin.secret_access_key)
    live.world.run(live.world.ops.cloud.add(operator(org), s3.endpoint, SHARED, None, keys))
    s = Script()
    step = s.step

    # workspaces, projects, batches
    step("workspace.get_workspaces", lambda: client.workspace.get_workspaces())
    step(
        "project.get_projects",
        lambda: [p.project for p in client.project.get_projects()] == ["p1"] or unexpected(),
    )
    step("project.create_batch", lambda: client.project.create_batch("p1", "w1"))
    step(
        "project.get_project_batches",
        lambda: len(client.project.get_project_batches("p1")) == 2 or unexpected(),
    )
    step(
        "project.get_annotation_types",
        lambda: client.project.get_annotation_types("p1", "w1") == [TYPE] or unexpected(),
    )

    # calibrations
    cal = step(
        "calibration.create_calibration", lambda: client.calibration.create_calibration(calibration("rig"))
    )
    cal_id = cal.id if cal else ""
    step(
        "calibration.get_calibration",
        lambda: client.calibration.get_calibration(cal_id).id == cal_id or unexpected(),
    )
    step(
        "calibration.get_calibrations",
        lambda: len(client.calibration.get_calibrations(external_id="rig")) == 1 or unexpected(),
    )

    # every scene type, created into batch b1 (with IMU data where the type takes it)
    def img(name: str) -> Image:
        return Image(filename=str(jpeg(tmp_path / f"{name}.jpg")), sensor_name="CAM")

    def cloud(name: str) -> PointCloud:
        return PointCloud(filename=str(pcd(tmp_path / f"{name}.pcd")))

    scenes: dict[str, Any] = {
        "cameras": cam.Cameras(external_id="s-cam", frame=cam.Frame(images=[img("c")])),
        "cameras_sequence": cs.CamerasSequence(
            external_id="s-cs",
            frames=[
                cs.Frame(frame_id=str(i), relative_timestamp=i * 10, images=[img(f"cs{i}")]) for i in range(2)
            ],
        ),
        "lidars": li.Lidars(external_id="s-li", frame=li.Frame(point_clouds=[cloud("l")])),
        "lidars_sequence": ls.LidarsSequence(
            external_id="s-ls",
            frames=[
                ls.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"ls{i}")],
                    unix_timestamp=T0 + i,
                )
                for i in range(2)
            ],
            imu_data=imu(),
        ),
        "lidars_and_cameras": lc.LidarsAndCameras(
            external_id="s-lc",
            frame=lc.Frame(
                point_clouds=[PointCloud(filename=str(csv_cloud(tmp_path / "lc.csv")))], images=[img("lc")]
            ),
            calibration_id=cal_id,
        ),
        "lidars_and_cameras_sequence": lcs.LidarsAndCamerasSequence(
            external_id="s-lcs",
            frames=[
                lcs.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"lcs{i}")],
                    images=[img(f"lcs{i}")],
                    ego_vehicle_pose=pose(float(i)),
                    unix_timestamp=T0 + i * 100_000_000,
                )
                for i in range(2)
            ],
            calibration_id=cal_id,
            imu_data=imu(),
        ),
        "aggregated_lidars_and_cameras_seq": agg.AggregatedLidarsAndCamerasSequence(
            external_id="s-agg",
            frames=[
                agg.Frame(
                    frame_id=str(i),
                    relative_timestamp=i * 100,
                    point_clouds=[cloud(f"agg{i}")],
                    images=[img(f"agg{i}")],
                    ego_vehicle_pose=pose(float(i)),
                )
                for i in range(2)
            ],
            calibration_id=cal_id,
        ),
    }
    created: dict[str, str] = {}
    for kind, scene in scenes.items():
        made = step(
            f"{kind}.create", lambda k=kind, sc=scene: getattr(client, k).create(sc, project="p1", batch="b1")
        )
        if made is not None:
            created[kind] = made.scene_uuid
    uuids = list(created.values())
    step(
        "scene.get_scenes_by_uuids", lambda: len(client.scene.get_scenes_by_uuids(uuids)) == 7 or unexpected()
    )
    step(
        "scene.get_scenes_by_external_ids",
        lambda: len(client.scene.get_scenes_by_external_ids(["s-cam", "s-li"])) == 2 or unexpected(),
    )
    step(
        "scene.get_scene_summary",
        lambda: client.scene.get_scene_summary(created["lidars_and_cameras_sequence"]),
    )
    step(
        "scene.get_ego_poses",
        lambda: client.scene.get_ego_poses(created["aggregated_lidars_and_cameras_seq"]) or unexpected(),
    )
    step(
        "input.query_inputs",
        lambda: len(client.input.query_inputs(project="p1", batch="b1")) == 7 or unexpected(),
    )
    step("input.get_inputs", lambda: len(client.input.get_inputs("p1", batch="b1")) == 7 or unexpected())
    step(
        "input.get_inputs_by_uuids",
        lambda: len(client.input.get_inputs_by_uuids(uuids[:2])) == 2 or unexpected(),
    )

    # scenes with no project, placed by every scene resource's v1 create_from_scene and the v2 one
    bare = step(
        "cameras.create (no project)",
        lambda: client.cameras.create(cam.Cameras(external_id="bare-1", frame=cam.Frame(images=[img("b1")]))),
    )
    bare2 = step(
        "cameras.create (no project, 2)",
        lambda: client.cameras.create(cam.Cameras(external_id="bare-2", frame=cam.Frame(images=[img("b2")]))),
    )
    b1_id = bare.scene_uuid if bare else ""
    b2_id = bare2.scene_uuid if bare2 else ""

    # pre-annotations
    step(
        "pre_annotation.create",
        lambda: client.pre_annotation.create(
            b1_id, OpenLabelAnnotation.model_validate(document("1")), dryrun=True
        ),
    )
    p1 = step(
        "pre_annotation.create",
        lambda: client.pre_annotation.create(
            b1_id, OpenLabelAnnotation.model_validate(document("1")), dryrun=False, external_id="m1"
        ),
    )
    p2 = step(
        "pre_annotation.create",
        lambda: client.pre_annotation.create(
            b1_id, OpenLabelAnnotation.model_validate(document("2")), dryrun=False, external_id="m2"
        ),
    )
    p1_id, p2_id = (p1.id if p1 else ""), (p2.id if p2 else "")
    step(
        "pre_annotation.list",
        lambda: len(client.pre_annotation.list(scene_uuids=[b1_id])) == 2 or unexpected(),
    )
    step(
        "pre_annotation.get_with_content",
        lambda: (
            client.pre_annotation.get_with_content(scene_uuid=b1_id, external_id="m1").uuid == p1_id
            or unexpected()
        ),
    )
    step(
        "pre_annotation.make_indexed_pre_annotation_available",
        lambda: client.pre_annotation.make_indexed_pre_annotation_available(p1_id),
    )
    made = step(
        "input.create_from_pre_annotation",
        lambda: client.input.create_from_pre_annotation(p1_id, project="p1", batch="w1"),
    )
    pre_input = made.uuid if made else ""
    step("input.update_pre_annotation", lambda: client.input.update_pre_annotation(pre_input, p2_id))
    step("input.update_pre_annotation", lambda: client.input.update_pre_annotation(pre_input, p1_id))
    step("pre_annotation.delete", lambda: client.pre_annotation.delete(p2_id))
    second = step(
        "input.create_from_scene", lambda: client.input.create_from_scene(b2_id, project="p1", batch="w1")
    )
    second_input = second.uuid if second else ""
    for kind in SCENE_RESOURCES:
        step(
            f"{kind}.create_from_scene",
            lambda k=kind: getattr(client, k).create_from_scene(b2_id, project="p1", batch="b1"),
        )

    # v2 scenes: local files; cloud resources in the organization's bucket, imported later and
    # reindexed; a pre-annotation kept in the bucket, made available
    ws = client.workspace.get_workspaces()[0].id
    local = ImageResource(
        external_resource_uri=None,
        local_file=LocalFile(filename=str(jpeg(tmp_path / "v2.jpg"))),
        sensor_name="CAM",
    )
    v2 = step(
        "scene.create_scene",
        lambda: client.scene.create_scene(
            SceneRequest(
                workspace_id=ws,
                external_id="v2-local",
                frames=[Frame(frame_id="1", timestamp_ns=1000, images=[local])],
            )
        ),
    )
    v2_id = v2.scene_uuid if v2 else ""
    prefix = s3.prefix()
    uri = s3.put(SHARED, f"{prefix}/cam.jpg", jpeg(tmp_path / "cloud.jpg").read_bytes())
    in_bucket = ImageResource(external_resource_uri=uri, local_file=None, sensor_name="CAM")
    indexed = step(
        "scene.create_scene",
        lambda: client.scene.create_scene(
            SceneRequest(
                workspace_id=ws,
                external_id="v2-cloud",
                frames=[Frame(frame_id="1", timestamp_ns=1000, images=[in_bucket])],
                postpone_external_resource_import=True,
            )
        ),
    )
    indexed_id = indexed.scene_uuid if indexed else ""
    step("scene.import_indexed_scene", lambda: client.scene.import_indexed_scene(indexed_id))
    step("scene.reindex_scene", lambda: client.scene.reindex_scene(indexed_id))
    pre_uri = s3.put(SHARED, f"{prefix}/pre.json", json.dumps(document("3")).encode())
    cloud_pre = step(
        "pre_annotation.create_from_cloud_resource",
        lambda: client.pre_annotation.create_from_cloud_resource(v2_id, "in-bucket", pre_uri),
    )
    step(
        "pre_annotation.make_indexed_pre_annotation_available",
        lambda: client.pre_annotation.make_indexed_pre_annotation_available(cloud_pre or ""),
    )
    step(
        "pre_annotation.get_with_content",
        lambda: (
            client.pre_annotation.get_with_content(uuid=cloud_pre).content.openlabel.objects or unexpected()
        ),
    )

    # the helper tool: a scene with a pre-annotation, then its input
    swp = SceneWithPreAnnotation(
        scene=cam.Cameras(external_id="tool-1", frame=cam.Frame(images=[img("t1")])),
        pre_annotation=OpenLabelAnnotation.model_validate(document("5")),
    )
    results = step(
        "tools.create_inputs", lambda: list(create_inputs(client, [swp], "p1", batch="b1", sleep_time=0.1))
    )
    if results is not None and [r.status.value for r in results] != ["created"]:
        s.failures.append(f"tools.create_inputs: {results}")

    # requests, request inputs, task assignment
    projects = live.world.run(live.world.ops.projects.list_projects(operator(org)))
    puuid = project_uuid(next(p for p in projects if p.external_id == "p1").id)
    requests = step(
        "request.get_requests",
        lambda: client.request.get_requests(project_id=puuid, include_input_progress_counts=True),
    )
    w1 = next((r.id for r in requests or [] if r.title == "w1"), "")
    step(
        "input.get_request_inputs",
        lambda: len(list(client.input.get_request_inputs(request_id=w1))) == 2 or unexpected(),
    )
    detail = step("input.get_request_input", lambda: client.input.get_request_input(pre_input))
    task_id = (
        detail.progress_details.current_task.task_id
        if detail and detail.progress_details and detail.progress_details.current_task
        else ""
    )
    step("task.assign_task", lambda: client.task.assign_task(task_id, ann.user_id))
    step("task.unassign_task", lambda: client.task.unassign_task(task_id))

    # the work (the workforce API), then every annotation read
    step("project.publish_batch", lambda: client.project.publish_batch("p1", "w1"))
    for _ in range(2):
        claimed = ann.claim()
        if claimed["task"]["inputId"] == pre_input and claimed["draft"] != {TYPE: document("1")}:
            s.failures.append(
                f"the pre-annotated input's draft is not its pre-annotation: {claimed['draft']}"
            )
        ann.call(
            "POST",
            f"/v1/workforce/tasks/{claimed['task']['id']}/submit",
            {"annotations": {TYPE: document("1", "2")}},
        )
        rev.review(rev.claim("review")["task"]["id"], True)
    got = step("input.get_request_input", lambda: client.input.get_request_input(pre_input))
    aid = got.last_completed_annotation_id if got else ""
    step("annotation.get_annotation_by_id", lambda: client.annotation.get_annotation_by_id(aid))
    step("annotation.get_annotation_for_input", lambda: client.annotation.get_annotation_for_input(pre_input))
    step(
        "annotation.get_annotations_for_scene",
        lambda: client.annotation.get_annotations_for_scene(b1_id) or unexpected(),
    )
    step(
        "annotation.get_project_annotations",
        lambda: (
            len(list(client.annotation.get_project_annotations("p1", TYPE, batch="w1"))) == 2 or unexpected()
        ),
    )
    step("annotation.get_annotation", lambda: client.annotation.get_annotation(b2_id, TYPE))

    # reviews
    types = step("review.get_error_types", lambda: client.review.get_error_types()) or []
    with_object = next((t.error_type_id for t in types if t.object_allowed), "other")
    rev.call("POST", f"/v1/workforce/inputs/{second_input}/auto-reviews", {"accepted": True})
    step(
        "review.get_auto_reviews",
        lambda: len(client.review.get_auto_reviews(second_input)) == 1 or unexpected(),
    )
    item = AddFeedbackItem(error_type_id=with_object, object_id="2", description="a truck")
    reviewed = step(
        "review.create_review",
        lambda: client.review.create_review(
            aid, ReviewRequest(accepted=False, feedback_items=[item], workflow=ReviewWorkflowEnum.CORRECT)
        ),
    )
    step(
        "review.get_review",
        lambda: (
            client.review.get_review(reviewed.created_review_id).members[0].object_id == "2" or unexpected()
        ),
    )

    # taking inputs and scenes out
    b1_inputs = {i.scene_uuid: i.uuid for i in client.input.query_inputs(project="p1", batch="b1")}
    step("input.delete_input", lambda: client.input.delete_input(b1_inputs[created["cameras"]]))
    step(
        "input.invalidate_inputs",
        lambda: client.input.invalidate_inputs([created["lidars"]], SceneInvalidatedReason.DUPLICATE),
    )
    step(
        "scene.invalidate_scenes",
        lambda: client.scene.invalidate_scenes(
            [created["cameras_sequence"]], SceneInvalidatedReason.BAD_CONTENT
        ),
    )

    assert not s.failures, "\n".join(s.failures)
    missing = surface(client) - s.ran - set(NO_HTTP) - set(NOT_YET)
    assert missing == set(), f"methods of the client no step runs: {sorted(missing)}"

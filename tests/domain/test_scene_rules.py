"""The scene rules of `annobatch.domain`, table-driven: what a scene may look like, how scenes move,
and what an uploaded file must look like."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annobatch import domain
from annobatch.domain import (
    Conflict,
    InvalidInput,
    NotFound,
    ResourceKind,
    SceneDraft,
    SceneFrame,
    SceneResource,
    SceneStatus,
    SceneType,
)

IMG, PC = ResourceKind.IMAGE, ResourceKind.POINT_CLOUD


def res(
    rid: str, sensor: str, kind: ResourceKind = IMG, shutter: tuple[int, int] | None = None
) -> SceneResource:
    return SceneResource(rid, f"/d/{rid}", sensor, kind, None, shutter)


def frame(fid: str | None, rel: int | None, *resources: SceneResource, unix: int | None = None) -> SceneFrame:
    return SceneFrame(fid, rel, unix, resources)


def draft(kind: SceneType, *frames: SceneFrame, **kw: object) -> SceneDraft:
    return SceneDraft(kind, "ext-1", frames, **kw)  # type: ignore[arg-type]


CAM_SEQ, LC, LCS = (
    SceneType.CAMERAS_SEQUENCE,
    SceneType.LIDARS_AND_CAMERAS,
    SceneType.LIDARS_AND_CAMERAS_SEQUENCE,
)
CAL = {"CAM": "pinhole", "lidar": "lidar"}


@pytest.mark.parametrize(
    ("scene", "message"),
    [
        (draft(SceneType.CAMERAS), "a scene needs at least one frame"),
        (draft(SceneType.CAMERAS, frame(None, None)), "frame #1 has no image; a cameras scene needs one"),
        (draft(SceneType.LIDARS, frame(None, None, res("a", "CAM"))), "frame #1 has no point cloud"),
        (
            draft(SceneType.CAMERAS, frame(None, None, res("a", "C"), res("b", "L", PC))),
            "a cameras scene has no point clouds",
        ),
        (
            draft(CAM_SEQ, frame("1", 0, res("a", "C")), frame("1", 5, res("b", "C"))),
            "frame id '1' is used twice: frame ids are unique",
        ),
        (draft(CAM_SEQ, frame("", 0, res("a", "C"))), "frame : a frame id is 1-128 characters"),
        (
            draft(CAM_SEQ, frame("1", 5, res("a", "C")), frame("2", 5, res("b", "C"))),
            "frame 2: relative timestamp 5 does not come after 5; frames must be ordered by time",
        ),
        (
            draft(CAM_SEQ, frame("1", 0, res("a", "C"), unix=9), frame("2", 5, res("b", "C"), unix=3)),
            "frame 2: unix timestamp 3 does not come after 9",
        ),
        (
            draft(CAM_SEQ, frame("1", 0, res("a", "C")), frame("2", 5, res("b", "C"), res("c", "D"))),
            "frame 2 has sensors C, D but the first frame has C; every frame of a sequence carries the same",
        ),
        (
            draft(CAM_SEQ, frame("1", 0, res("a", "C")), frame("2", 5, res("a", "C"))),
            "resource a appears twice (frame 1 and frame 2); each resource belongs to one frame and sensor",
        ),
        (
            draft(LC, frame(None, None, res("a", "X", PC), res("b", "X")), calibration={"X": "lidar"}),
            "sensor X is used for both images and point clouds",
        ),
        (
            draft(SceneType.CAMERAS, frame(None, None, res("a", "C"), res("b", "C"))),
            "two resources from sensor C",
        ),
        (draft(SceneType.CAMERAS, frame(None, None, res("a", ""))), "invalid sensor name ''"),
        (draft(SceneType.CAMERAS, frame(None, None, res("", "C"))), "a resource id is 1-2048 characters"),
        (
            draft(SceneType.CAMERAS, frame(None, None, res("a", "C", shutter=(5, 5)))),
            "image a has a shutter start (5) that is not before its end (5)",
        ),
        (
            draft(
                LC,
                frame(None, None, res("a", "lidar", PC), res("b", "CAM"), res("c", "REAR")),
                calibration=CAL,
            ),
            "the calibration has no entry for sensor REAR; it must cover every sensor of the scene",
        ),
        (
            draft(
                LC,
                frame(None, None, res("a", "lidar", PC), res("b", "CAM")),
                calibration={"CAM": "lidar", "lidar": "lidar"},
            ),
            "sensor CAM is a camera but its calibration is of type lidar",
        ),
        (
            draft(SceneType.CAMERAS, frame(None, None, res("a", "C")), sensor_order=("C", "NOPE")),
            "the sensor specification names sensor NOPE, which no frame carries (sensors: C)",
        ),
        (
            draft(SceneType.CAMERAS, frame(None, None, res("a", "C")), sensor_order=("C", "C")),
            "names a sensor twice",
        ),
        (
            draft(SceneType.LIDARS, frame(None, None, res("a", "L", PC), unix=100), imu_span=(0, 50)),
            "frame #1: unix timestamp 100 is outside the IMU data (0 to 50); IMU data must cover every frame",
        ),
    ],
)
def test_a_scene_breaking_a_rule_is_refused_with_a_message_naming_it(scene: SceneDraft, message: str) -> None:
    with pytest.raises(InvalidInput) as e:
        domain.validate_scene(scene)
    assert message in e.value.message


def test_a_well_formed_sequence_answers_its_resources_in_order() -> None:
    scene = draft(
        LCS,
        frame("1", 0, res("p1", "lidar", PC), res("i1", "CAM"), unix=10),
        frame("2", 100, res("p2", "lidar", PC), res("i2", "CAM"), unix=20),
        calibration=CAL,
        sensor_order=("CAM",),
        imu_span=(0, 30),
    )
    assert [r.resource_id for r in domain.validate_scene(scene)] == ["p1", "i1", "p2", "i2"]


def test_an_unknown_scene_type_is_not_found_naming_the_known_ones() -> None:
    with pytest.raises(
        NotFound, match="unknown scene type 'pointclouds': one of cameras, cameras-sequence, lidars"
    ):
        domain.parse_scene_type("pointclouds")


@pytest.mark.parametrize(
    ("kind", "wire", "summary", "uploads"),
    [
        (SceneType.CAMERAS, "cameras", "cameras", True),
        (SceneType.LIDARS, "lidars", "lidars_and_cameras", True),
        (SceneType.LIDARS_SEQUENCE, "lidars_sequence", "lidars_and_cameras_sequence", False),
        (LCS, "lidars_and_cameras_sequence", "lidars_and_cameras_sequence", True),
    ],
)
def test_scene_types_name_themselves_as_the_client_expects(
    kind: SceneType, wire: str, summary: str, uploads: bool
) -> None:
    assert (kind.wire_name, kind.summary_name, kind.uploads_files) == (wire, summary, uploads)


# ------------------------------------------------------------------------------------ statuses

INVALIDATED = {s for s in SceneStatus if s.is_invalidated}
ALLOWED = {
    (SceneStatus.PENDING, SceneStatus.PROCESSING),
    (SceneStatus.PENDING, SceneStatus.ABANDONED),
    (SceneStatus.PROCESSING, SceneStatus.CREATED),
    (SceneStatus.PROCESSING, SceneStatus.FAILED),
    (SceneStatus.INDEXED, SceneStatus.PROCESSING),  # imported
    (SceneStatus.CREATED, SceneStatus.INDEXED),  # reindexed
} | {
    (src, inv)
    for src in (
        SceneStatus.PENDING,
        SceneStatus.PROCESSING,
        SceneStatus.CREATED,
        SceneStatus.FAILED,
        SceneStatus.INDEXED,
    )
    for inv in INVALIDATED
}


@pytest.mark.parametrize("src", list(SceneStatus))
@pytest.mark.parametrize("dst", list(SceneStatus))
def test_a_scene_moves_only_along_its_lifecycle(src: SceneStatus, dst: SceneStatus) -> None:
    if (src, dst) in ALLOWED:
        domain.require_scene_move("s", src, dst)
    else:
        with pytest.raises(Conflict, match=f"scene s cannot move from {src.value} to {dst.value}"):
            domain.require_scene_move("s", src, dst)


@pytest.mark.parametrize(
    ("reason", "status"),
    [
        ("bad-content", "invalidated:broken-input"),
        ("duplicate", "invalidated:duplicate"),
        ("incorrectly-created", "invalidated:incorrectly-created"),
    ],
)
def test_each_invalidation_reason_leaves_its_status(reason: str, status: str) -> None:
    assert domain.invalidation_status(reason).value == status


def test_an_unknown_invalidation_reason_is_refused() -> None:
    with pytest.raises(
        InvalidInput, match="unknown invalidation reason 'meh': one of bad-content, duplicate"
    ):
        domain.invalidation_status("meh")


@pytest.mark.parametrize(
    ("status", "needed"),
    [("pending", True), ("processing", True), ("created", False), ("failed", False)],
)
def test_commit_processes_only_unfinished_scenes(status: str, needed: bool) -> None:
    assert domain.commit_needed("s", status) is needed


def test_an_invalidated_scene_cannot_be_committed() -> None:
    with pytest.raises(Conflict, match="scene s is invalidated:duplicate; it cannot be committed"):
        domain.commit_needed("s", "invalidated:duplicate")


def test_a_scene_without_files_to_upload_is_created_at_once() -> None:
    assert domain.initial_scene_status(0) is SceneStatus.CREATED
    assert domain.initial_scene_status(3) is SceneStatus.PENDING


def test_missing_files_are_listed_and_a_long_list_is_cut() -> None:
    with pytest.raises(InvalidInput, match="scene s is missing 2 files: a, b; upload them"):
        domain.require_all_uploaded("s", ["a", "b"])
    with pytest.raises(InvalidInput, match="and 5 more"):
        domain.require_all_uploaded("s", [str(i) for i in range(25)])


# ----------------------------------------------------------------------------------- calibrations

ORIGIN = {"position": {"x": 0, "y": 0, "z": 0}, "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0}}
PINHOLE = {
    **ORIGIN,
    "calibration_type": "pinhole",
    "image_width": 8,
    "image_height": 8,
    "camera_matrix": {"fx": 1, "fy": 1, "cx": 4, "cy": 4},
    "distortion_coefficients": {"k1": 0, "k2": 0, "p1": 0, "p2": 0, "k3": 0},
}


def test_a_complete_calibration_answers_its_sensor_types() -> None:
    cal = {"CAM": PINHOLE, "L": {**ORIGIN, "calibration_type": "lidar"}}
    assert domain.validate_calibration("rig", cal) == {"CAM": "pinhole", "L": "lidar"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({**PINHOLE, "image_width": 0}, "field image_width must be a positive integer"),
        ({**PINHOLE, "image_width": True}, "field image_width must be a positive integer"),
        ({**PINHOLE, "camera_matrix": {"fx": 1}}, "field camera_matrix needs numbers fy, cx, cy"),
        ({**PINHOLE, "calibration_type": "fisheye"}, "field xi is missing"),
        (
            {**ORIGIN, "calibration_type": "custom", "image_width": 1, "image_height": 1},
            "wasm_base64 is missing",
        ),
        ({"calibration_type": "lidar"}, "field position is missing"),
    ],
)
def test_an_incomplete_calibration_is_refused_naming_the_field(
    entry: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        domain.validate_calibration("rig", {"S": entry})


# ------------------------------------------------------------------------------------ IMU data


def test_imu_data_answers_its_time_span() -> None:
    samples = [domain.ImuSample(t, (0.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0)) for t in (5, 6, 9)]
    assert domain.validate_imu(samples) == (5, 9)


@pytest.mark.parametrize(
    ("samples", "message"),
    [
        ([], "IMU data needs at least one sample"),
        ([domain.ImuSample(1, (0, 0, 0), (0, 0, 0, 0))], "IMU sample 0: the rotation quaternion is zero"),
        ([domain.ImuSample(1, (float("nan"), 0, 0), (1, 0, 0, 0))], "must be finite numbers"),
    ],
)
def test_bad_imu_data_is_refused(samples: list[domain.ImuSample], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        domain.validate_imu(samples)


# ------------------------------------------------------------------------------- file contents


@pytest.mark.parametrize(
    ("kind", "filename", "head", "ok"),
    [
        (IMG, "a.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", True),
        (IMG, "a.png", b"\x89PNG\r\n\x1a\n\x00\x00", True),
        (IMG, "a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        (IMG, "a.avif", b"\x00\x00\x00\x1cftypavif", True),
        (IMG, "a.jpg", b"hello", False),
        (PC, "a.pcd", b"# .PCD v0.7\nVERSION 0.7\n", True),
        (PC, "a.pcd", b"\x00\x01binary", False),
        (PC, "a.las", b"LASF\x00\x00", True),
        (PC, "a.csv", b"ts_gps,x,y,z,intensity\n0,1", True),
        (PC, "a.csv", b"\x00\xff\xfe\x80\x81\x82\x83\x84\x85\x86", False),
    ],
)
def test_a_file_is_recognised_by_its_first_bytes(
    kind: ResourceKind, filename: str, head: bytes, ok: bool
) -> None:
    problem = domain.check_file_content(kind, "r1", filename, head, len(head))
    assert (problem is None) is ok


def test_an_empty_file_is_a_problem() -> None:
    assert domain.check_file_content(IMG, "r1", "a.jpg", b"", 0) == "file r1 is empty"


@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=20, unique=True))
def test_frames_in_increasing_time_are_always_accepted(times: list[int]) -> None:
    ordered = sorted(times)
    frames = [frame(str(i), t, res(f"r{i}", "C"), unix=t) for i, t in enumerate(ordered)]
    assert len(domain.validate_scene(draft(CAM_SEQ, *frames))) == len(frames)

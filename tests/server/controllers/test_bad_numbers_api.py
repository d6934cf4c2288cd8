"""Integers past 64 bits, digits of other scripts and JSON nested thousands deep, wherever a client
can put them (query, path, header, a part of a cursor or of an upload URL, any body): 400 naming
the field, never a 5xx (the official client retries a 5xx for minutes). The route table is held
to it, so that a new endpoint cannot bring an unbounded integer back."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from scenes_testing import Api, api, cameras_body

from annobatch.server.app import create_app
from annobatch.settings import Settings
from conftest import World, bearer

__all__ = ["api"]  # the fixture

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
BIG = "9" * 400
PAST_64_BITS = 2**64
OTHER_DIGITS = ["\u0f26\u136b", "\u00b2", "\u0661\u0662", "\uff11"]


def refused_naming(r: Any, field: str) -> None:
    assert r.status_code == 400, r.text
    assert field in r.json()["message"], r.json()


@pytest.mark.parametrize("expires", [*OTHER_DIGITS, BIG, "-1", "1e9"])
def test_an_upload_urls_expires_that_is_not_an_integer_is_bad_input(api: Api, expires: str) -> None:
    r = api.client.put(f"/v1/uploads/{uuid.uuid4()}/0", params={"expires": expires, "signature": "ab"})
    refused_naming(r, "expires")


@pytest.mark.parametrize("signature", ["%E0%B1%AC0", "%C3%A9" * 64, "%FF%FE", "%00"])
def test_an_upload_urls_signature_in_any_characters_is_forbidden(api: Api, signature: str) -> None:
    r = api.client.put(f"/v1/uploads/{uuid.uuid4()}/0?expires=99&signature={signature}")
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")


def test_an_upload_position_past_64_bits_is_bad_input(api: Api) -> None:
    r = api.client.put(f"/v1/uploads/{uuid.uuid4()}/{BIG}", params={"expires": "99", "signature": "ab"})
    refused_naming(r, "position")


@pytest.mark.parametrize("path", ["/v2/inputs/query", "/v1/inputs/fetch"])
@pytest.mark.parametrize("created", [*OTHER_DIGITS, BIG, str(INT64_MAX + 1)])
def test_an_input_cursor_past_64_bits_or_in_other_digits_is_bad_input(
    api: Api, path: str, created: str
) -> None:
    body = {"project": "p1"}
    r = api.client.post(path, params={"cursorId": f"{created}_x"}, json=body, headers=api.headers)
    refused_naming(r, "cursorId")


@pytest.mark.parametrize("org", [BIG, str(INT64_MAX + 1), *OTHER_DIGITS])
def test_a_staff_members_organization_past_64_bits_is_bad_input(api: Api, world: World, org: str) -> None:
    staff = bearer(api.client, world.credential(api.org, staff=True))
    r = api.client.get("/v1/projects", headers={**staff, "X-Organization-Id": org.encode()})
    refused_naming(r, "X-Organization-Id")
    r = api.client.get("/v1/workspaces", params={"organizationIds": org}, headers=staff)
    refused_naming(r, "organizationIds")


def imu_body(timestamp: int) -> dict[str, Any]:
    sample = {"position": {"x": 0, "y": 0, "z": 0}, "rotationQuaternion": {"w": 1, "x": 0, "y": 0, "z": 0}}
    return {"imuData": [{**sample, "timestamp": timestamp}], "internalId": str(uuid.uuid4())}


@pytest.mark.parametrize("timestamp", [PAST_64_BITS, INT64_MIN - 1, int(BIG)])
def test_an_imu_timestamp_past_64_bits_is_bad_input(api: Api, timestamp: int) -> None:
    r = api.client.post(f"/v1/imu?workspaceId={api.workspace}", json=imu_body(timestamp), headers=api.headers)
    refused_naming(r, "imuData[0].timestamp")


def sequence_body(scene: str, **frame: Any) -> dict[str, Any]:
    image = {"filename": "/d/C.jpg", "resourceId": "/d/C.jpg", "sensorName": "C"}
    image.update(frame.pop("image", {}))
    base = {"frameId": "1", "relativeTimestamp": 0, "images": [image], **frame}
    return {"externalId": "seq", "internalId": scene, "frames": [base]}


@pytest.mark.parametrize(
    ("frame", "field"),
    [
        ({"relativeTimestamp": PAST_64_BITS}, "frames[0].relativeTimestamp"),
        ({"unixTimestamp": -PAST_64_BITS}, "frames[0].unixTimestamp"),
        ({"metadata": {"odometer": PAST_64_BITS}}, "frames[0].metadata"),
        (
            {"image": {"metadata": {"shutterTimeStartNs": PAST_64_BITS, "shutterTimeEndNs": 1}}},
            "frames[0].images[0].metadata.shutterTimeStartNs",
        ),
    ],
)
def test_an_integer_past_64_bits_anywhere_in_a_scene_is_bad_input(
    api: Api, frame: dict[str, Any], field: str
) -> None:
    r = api.create(sequence_body(api.initialize(), **frame), path="project/p1/cameras-sequence")
    refused_naming(r, field)


def test_scene_metadata_past_64_bits_is_bad_input(api: Api) -> None:
    body = cameras_body(api.initialize())
    body["metadata"] = {"count": int(BIG)}
    refused_naming(api.create(body), "metadata")


LIDAR = {
    "calibration_type": "lidar",
    "position": {"x": 0, "y": 0, "z": 0},
    "rotation_quaternion": {"w": 1, "x": 0, "y": 0, "z": 0},
}


def nested(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [40, 900, 5000, 100_000])
def test_a_calibration_nested_deep_is_bad_input_and_nothing_is_stored(api: Api, depth: int) -> None:
    lidar = msgspec.json.encode(LIDAR)[:-1] + f',"extra":{nested(depth)}}}'.encode()
    body = b'{"externalId":"rig","calibration":{"L":' + lidar + b"}}"
    r = api.client.post(
        f"/v1/calibrations?workspaceId={api.workspace}",
        content=body,
        headers={**api.headers, "Content-Type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert "nested deeper than" in r.json()["message"]
    if depth < 1000:
        assert "field calibration.L.extra.a" in r.json()["message"]
    assert api.client.get("/v1/calibrations", headers=api.headers).json() == {"data": []}


def test_a_calibration_integer_past_64_bits_is_bad_input(api: Api) -> None:
    body = {"externalId": "rig", "calibration": {"L": {**LIDAR, "serial": PAST_64_BITS}}}
    r = api.client.post(f"/v1/calibrations?workspaceId={api.workspace}", json=body, headers=api.headers)
    refused_naming(r, "calibration.L.serial")


def test_a_calibration_as_deep_as_allowed_is_stored_and_read_back(api: Api) -> None:
    extra: Any = 1
    for _ in range(25):
        extra = {"a": extra}
    body = {"externalId": "rig", "calibration": {"L": {**LIDAR, "extra": extra}}}
    r = api.client.post(f"/v1/calibrations?workspaceId={api.workspace}", json=body, headers=api.headers)
    assert r.status_code == 200, r.text
    listed = api.client.get("/v1/calibrations", headers=api.headers).json()["data"]
    assert listed[0]["calibration"]["L"]["extra"] == extra


# ------------------------------------------------------------------------- the route table


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Litestar:
    return create_app(Settings(data_dir=tmp_path_factory.mktemp("routes")))


def _integers_of(info: msgspec.inspect.Type, path: str, seen: set[type]) -> list[tuple[str, Any]]:
    """Every integer type reachable in a body type, with where it is."""
    found: list[tuple[str, Any]] = []
    if isinstance(info, msgspec.inspect.IntType):
        found.append((path, info))
    elif isinstance(info, msgspec.inspect.StructType) and info.cls not in seen:
        seen.add(info.cls)
        for f in info.fields:
            found += _integers_of(f.type, f"{path}.{f.encode_name}", seen)
    elif isinstance(info, msgspec.inspect.UnionType):
        for t in info.types:
            found += _integers_of(t, path, seen)
    elif isinstance(info, msgspec.inspect.DictType):
        found += _integers_of(info.value_type, f"{path}[...]", seen)
    elif isinstance(info, msgspec.inspect.CollectionType):
        found += _integers_of(info.item_type, f"{path}[]", seen)
    return found


def _body_types(app: Litestar) -> dict[str, Any]:
    import typing

    from annobatch.server.bodies import _declared

    found: dict[str, Any] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            field = handler.parsed_data_field
            if field is None:
                continue
            declared = _declared(field)
            members = typing.get_args(declared) if typing.get_origin(declared) is not None else ()
            structs = [m for m in members if isinstance(m, type) and issubclass(m, msgspec.Struct)]
            for t in structs or [declared]:
                found[f"{route.path} {t.__name__ if isinstance(t, type) else t}"] = t
    return found


def test_every_integer_of_every_request_body_is_held_to_64_bits(app: Litestar) -> None:
    bodies = _body_types(app)
    assert len(bodies) > 10
    unbounded = [
        f"{where}{path}"
        for where, body in bodies.items()
        for path, info in _integers_of(msgspec.inspect.type_info(body), "", set())
        if info.ge is None or info.le is None or info.ge < INT64_MIN or info.le > INT64_MAX
    ]
    assert unbounded == []


def test_every_integer_parameter_of_the_route_table_is_held_to_64_bits(app: Litestar) -> None:
    document = app.openapi_schema.to_schema()
    checked, unbounded = 0, []
    for path, item in document["paths"].items():
        for method, op in item.items():
            for p in op.get("parameters", []) if isinstance(op, dict) else []:
                schema = p.get("schema", {})
                kinds = [schema, *schema.get("oneOf", [])]
                for s in kinds:
                    if s.get("type") != "integer":
                        continue
                    checked += 1
                    # Litestar writes the bounds as floats: 2**63 - 1 shows as 2**63.
                    low, high = s.get("minimum"), s.get("maximum")
                    if low is None or high is None or low < float(INT64_MIN) or high > float(INT64_MAX):
                        unbounded.append(f"{method.upper()} {path} {p['in']} {p['name']}")
    assert checked >= 4
    assert unbounded == []

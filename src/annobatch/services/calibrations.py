"""Calibrations and IMU data: what a scene names when it is created."""

from __future__ import annotations

import hashlib
import uuid

import msgspec

from annobatch import domain, schemas
from annobatch.domain import NotFound
from annobatch.services.identity import Caller
from annobatch.services.lookups import parse_uuid, resolve_workspace, to_json
from annobatch.services.transactions import Write, fingerprint, reading, run_write
from annobatch.storage.database import Database
from annobatch.storage.records import CalibrationRecord, ImuRecord, now_micros
from annobatch.storage.unit_of_work import UnitOfWork


class CalibrationService:
    """Calibrations of a workspace's sensors, and the IMU data sent before a lidar scene."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create_calibration(
        self, caller: Caller, workspace_id: str | None, body: schemas.CreateCalibrationRequest, write: Write
    ) -> CalibrationRecord:
        domain.validate_calibration(body.external_id, body.calibration)  # type: ignore[arg-type]
        data = to_json(body.calibration)

        async def produce(uow: UnitOfWork) -> CalibrationRecord:
            ws = await resolve_workspace(uow, caller, workspace_id)
            rec = CalibrationRecord(
                str(uuid.uuid4()), caller.org, ws.id, body.external_id, data, now_micros()
            )
            await uow.calibrations.create(rec)
            return rec

        fp = fingerprint("calibration", workspace_id, body.external_id, data)
        return await run_write(self.db, caller, write, fp, CalibrationRecord, produce)

    async def get_calibration(self, caller: Caller, calibration_id: str) -> CalibrationRecord:
        async with reading(self.db) as uow:
            found = await uow.calibrations.get(caller.scope, parse_uuid("calibration", calibration_id))
        if found is None:
            raise NotFound(f"calibration {calibration_id} not found", "calibration-not-found")
        return found

    async def list_calibrations(self, caller: Caller, external_id: str | None) -> list[CalibrationRecord]:
        async with reading(self.db) as uow:
            return await uow.calibrations.of(caller.scope, external_id)

    async def add_imu(
        self, caller: Caller, workspace_id: str | None, body: schemas.ImuDataRequest, write: Write
    ) -> ImuRecord:
        """Keep a scene's IMU data until its create names it (`imuData: <resource id>`)."""
        scene_id = parse_uuid("scene", body.internal_id)
        samples = [
            domain.ImuSample(
                s.timestamp,
                (s.position.x, s.position.y, s.position.z),
                (
                    s.rotation_quaternion.w,
                    s.rotation_quaternion.x,
                    s.rotation_quaternion.y,
                    s.rotation_quaternion.z,
                ),
            )
            for s in body.imu_data
        ]
        first, last = domain.validate_imu(samples)
        data = msgspec.json.encode(body.imu_data).decode()

        async def produce(uow: UnitOfWork) -> ImuRecord:
            ws = await resolve_workspace(uow, caller, workspace_id)
            rec = ImuRecord(
                str(uuid.uuid4()), caller.org, ws.id, scene_id, len(samples), first, last, data, now_micros()
            )
            await uow.imu.create(rec)
            return rec

        fp = fingerprint("imu", workspace_id, scene_id, hashlib.sha256(data.encode()).hexdigest())
        return await run_write(self.db, caller, write, fp, ImuRecord, produce)

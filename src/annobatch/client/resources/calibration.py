"""`client.calibration`: sensor calibrations, created once and named by scenes."""

from __future__ import annotations

from typing import Any

from annobatch.client._requester import Requester
from annobatch.model.calibration.calib import SensorCalibration, SensorCalibrationEntry
from annobatch.schemas import Envelope


class CalibrationResource:
    """Calibrations, as the official client names them."""

    def __init__(self, requester: Requester, workspace_id: str | None = None) -> None:
        self._requester = requester
        self._workspace_id = workspace_id

    def get_calibration(self, id: str) -> SensorCalibrationEntry:
        """One calibration by its id; `NotFound` when the caller has none such."""
        found = self._requester.call("GET", "/v1/calibrations", Envelope[dict[str, Any]], params={"id": id})
        return SensorCalibrationEntry.from_json(found.data)

    def get_calibrations(self, external_id: str | None = None) -> list[SensorCalibrationEntry]:
        """Every calibration of the caller's, or those with this external id."""
        params = {"externalId": external_id} if external_id is not None else None
        found = self._requester.call("GET", "/v1/calibrations", Envelope[Any], params=params).data
        entries = found if isinstance(found, list) else [found]
        return [SensorCalibrationEntry.from_json(e) for e in entries]

    def create_calibration(self, sensor_calibration: SensorCalibration) -> SensorCalibrationEntry:
        """Store a calibration; scenes name it by the returned entry's `id`."""
        params = {"workspaceId": self._workspace_id} if self._workspace_id else None
        created = self._requester.call(
            "POST",
            "/v1/calibrations",
            Envelope[dict[str, Any]],
            json=sensor_calibration.to_dict(),
            params=params,
        )
        return SensorCalibrationEntry.from_json(created.data)

"""The HTTP API, one module per resource: typed parameters and body → service → presenter.

`API` answers authenticated callers only (`create_app` puts it behind the `authenticate` hook);
`PUBLIC` needs no token: the token endpoint, the health check, the signed upload and download
URLs. (The scene pages a `viewLink` opens are the dashboard's: `server/dashboard/scenes.py`.)
"""

from __future__ import annotations

from litestar import Controller

from annobatch.server.controllers.annotations import (
    AnnotationByIdController,
    InputAnnotationController,
    SceneAnnotationController,
)
from annobatch.server.controllers.auth import TokenController
from annobatch.server.controllers.auto_reviews import AutoReviewPostController
from annobatch.server.controllers.batches import BatchController
from annobatch.server.controllers.calibrations import CalibrationController
from annobatch.server.controllers.cloud_pre_annotations import CloudPreAnnotationController
from annobatch.server.controllers.downloads import DownloadController
from annobatch.server.controllers.health import HealthController
from annobatch.server.controllers.imu import ImuController
from annobatch.server.controllers.inputs import InputController, InputV1Controller
from annobatch.server.controllers.pre_annotations import PreAnnotationController, PreAnnotationV1Controller
from annobatch.server.controllers.projects import ProjectController
from annobatch.server.controllers.request_inputs import RequestInputController
from annobatch.server.controllers.requests import RequestController
from annobatch.server.controllers.reviews import (
    AutoReviewController,
    ClientReviewController,
    ReviewController,
)
from annobatch.server.controllers.scene_recovery import SceneRecoveryController
from annobatch.server.controllers.scenes import SceneController, SceneCreationController
from annobatch.server.controllers.tasks import TaskController
from annobatch.server.controllers.uploads import UploadController
from annobatch.server.controllers.workforce import WorkforceController
from annobatch.server.controllers.workspaces import WorkspaceController

API: list[type[Controller]] = [
    WorkspaceController,
    ProjectController,
    BatchController,
    SceneCreationController,
    SceneRecoveryController,
    SceneController,
    InputV1Controller,
    InputController,
    PreAnnotationV1Controller,
    PreAnnotationController,
    CloudPreAnnotationController,
    CalibrationController,
    ImuController,
    RequestController,
    RequestInputController,
    AnnotationByIdController,
    InputAnnotationController,
    SceneAnnotationController,
    ClientReviewController,
    ReviewController,
    AutoReviewController,
    TaskController,
    WorkforceController,
    AutoReviewPostController,
]
PUBLIC: list[type[Controller]] = [
    TokenController,
    HealthController,
    UploadController,
    DownloadController,
]

__all__ = ["API", "PUBLIC"]

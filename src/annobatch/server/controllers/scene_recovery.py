"""A pending scene that cannot be committed as it is (its named batch was published, its project
has no open batch): retarget it to another project or batch, or abandon it (its files removed, no
input ever). `SceneRecoveryService` holds the rules' use; this is their HTTP face."""

from __future__ import annotations

from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from annobatch import presenters, schemas
from annobatch.server.dependencies import WRITE
from annobatch.server.links import public_base
from annobatch.services.identity import Caller
from annobatch.services.scene_recovery import SceneRecoveryService
from annobatch.services.transactions import Write


class SceneRecoveryController(Controller):
    path = "/v1/inputs"
    tags = ["scenes"]

    @post(
        "/{scene:str}/actions/retarget",
        status_code=200,
        summary="Send a pending scene to another project or batch (no batch: the open one at commit)",
        dependencies=WRITE,
    )
    async def retarget(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scene_recovery: NamedDependency[SceneRecoveryService],
        scene: FromPath[str],
        data: JSONBody[schemas.RetargetSceneRequest],
    ) -> schemas.Envelope[schemas.Scene]:
        rec = await scene_recovery.retarget(caller, scene, data.project, data.batch, write)
        return schemas.Envelope(presenters.scene(rec, public_base(request)))

    @post(
        "/{scene:str}/actions/abandon",
        status_code=200,
        summary="Give up on a pending scene: its files are removed, it never gets an input",
        dependencies=WRITE,
    )
    async def abandon(
        self,
        request: Request,
        caller: NamedDependency[Caller],
        write: NamedDependency[Write],
        scene_recovery: NamedDependency[SceneRecoveryService],
        scene: FromPath[str],
    ) -> schemas.Envelope[schemas.Scene]:
        rec = await scene_recovery.abandon(caller, scene, write)
        return schemas.Envelope(presenters.scene(rec, public_base(request)))

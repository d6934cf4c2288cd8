"""`GET /view/<scene>`: the page a `viewLink` opens in a browser."""

from __future__ import annotations

from litestar import Controller, MediaType, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from annobatch.server import pages
from annobatch.services.scenes import SceneService


class ViewController(Controller):
    path = "/view"
    include_in_schema = False

    @get("/{scene:str}", media_type=MediaType.HTML, summary="A scene, for people")
    async def view_page(self, scenes: NamedDependency[SceneService], scene: FromPath[str]) -> Response[str]:
        """The scene's status, files and inputs. The scene's uuid (unguessable) is the permission,
        as it is for the official platform's links."""
        detail = await scenes.view(scene)
        headers = {"Content-Security-Policy": pages.POLICY}
        if detail is None:
            return Response(pages.not_found_page(scene), status_code=404, headers=headers)
        return Response(pages.scene_page(detail), headers=headers)

"""`GET /v1/downloads/...`: where the official client downloads annotation content, and an
annotation tool a task's scene files and annotation versions.

No credentials: the signed URL is the permission (403 when forged or expired, checked before
anything is looked up; 404 when what it names is gone).
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from annobatch.server.links import download_signer
from annobatch.server.params import FilePosition
from annobatch.services.downloads import DOWNLOAD_PATH, DownloadService, annotation_target, file_target

#: Signed content may be cached by whoever fetched it, never by a shared cache.
_PRIVATE = {"Cache-Control": "private, max-age=300"}


class DownloadController(Controller):
    path = DOWNLOAD_PATH
    tags = ["downloads"]

    @get(
        "/annotations/{annotation:str}",
        summary="An annotation version's OpenLABEL content, from its signed URL",
        media_type="application/json",
    )
    async def annotation(
        self,
        request: Request,
        downloads: NamedDependency[DownloadService],
        annotation: FromPath[str],
    ) -> Stream:
        query = request.query_params
        download_signer(request).verify(
            annotation_target(annotation), query.get("expires"), query.get("signature")
        )
        key = await downloads.annotation_blob(annotation)
        return Stream(downloads.blobs.stream(key), media_type="application/json", headers=_PRIVATE)

    @get(
        "/scenes/{scene:str}/{position:int}",
        summary="One file of a scene, from its signed URL",
    )
    async def scene_file(
        self,
        request: Request,
        downloads: NamedDependency[DownloadService],
        scene: FromPath[str],
        position: FilePosition,
    ) -> Stream:
        query = request.query_params
        download_signer(request).verify(
            file_target(scene, position), query.get("expires"), query.get("signature")
        )
        resource = await downloads.scene_file(scene, position)
        assert resource.blob_key is not None
        headers = {**_PRIVATE}
        if resource.size is not None:
            headers["Content-Length"] = str(resource.size)
        return Stream(
            downloads.blobs.stream(resource.blob_key),
            media_type=resource.content_type or "application/octet-stream",
            headers=headers,
        )

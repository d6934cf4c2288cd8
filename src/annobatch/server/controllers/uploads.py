"""`PUT /v1/uploads/<scene>/<position>`: where the official client sends each file of a scene.

No credentials: the signed URL is the permission (403 when forged or expired, before a byte is
read). Any Content-Type, chunked or not. The body streams to the blob store under the size limit
(413, nothing kept) and becomes visible only when complete; no database transaction is open while
the body is read.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Request, put
from litestar.di import NamedDependency
from litestar.exceptions import InternalServerException
from litestar.params import FromPath

from annobatch import schemas
from annobatch.domain import InvalidInput, TooLarge
from annobatch.server.bodies import BINARY, body_read_by_handler
from annobatch.server.links import upload_signer
from annobatch.server.params import FilePosition
from annobatch.services.scenes import SceneService
from annobatch.services.uploads import UPLOAD_PATH


class UploadController(Controller):
    path = UPLOAD_PATH
    tags = ["uploads"]

    @put(
        "/{scene:str}/{position:int}",
        status_code=200,
        request_max_body_size=None,  # the upload limit is enforced while streaming, below
        summary="Upload one file of a scene to its signed URL",
        operation_class=body_read_by_handler("application/octet-stream", BINARY),
    )
    async def upload(
        self,
        request: Request,
        scenes: NamedDependency[SceneService],
        scene: FromPath[str],
        position: FilePosition,
    ) -> schemas.Envelope[schemas.Uploaded]:
        query = request.query_params
        upload_signer(request).verify(scene, position, query.get("expires"), query.get("signature"))
        limit: int = request.app.state.settings.max_upload_bytes
        if request.content_length is not None and request.content_length > limit:
            raise TooLarge(f"the upload is over the limit of {limit} bytes", "upload-too-large")
        await scenes.upload_target(scene, position)
        key = f"scenes/{scene}/{position}-{uuid.uuid4().hex}"
        try:
            blob = await scenes.blobs.put(key, request.stream(), limit)
        except InternalServerException:
            # The client went away mid-body: nothing was kept; the URL can be used again.
            raise InvalidInput(
                "the upload was interrupted; send the file again", "upload-interrupted"
            ) from None
        try:
            replaced = await scenes.record_upload(scene, position, blob, request.headers.get("content-type"))
        except BaseException:
            await scenes.blobs.delete(key)
            raise
        if replaced is not None:
            await scenes.delete_recorded([replaced])
        return schemas.Envelope(schemas.Uploaded(blob.size, blob.sha256))

"""What answers need of the request to make links: the address the client reached us at, and
the signers of upload and download URLs."""

from __future__ import annotations

from litestar import Request

from annobatch.services.delivery_views import DeliveredAnnotation
from annobatch.services.direct_uploads import UploadLinks
from annobatch.services.downloads import DownloadSigner, SignedUrl
from annobatch.services.uploads import UploadSigner


def public_base(request: Request) -> str:
    """The address the client reached us at: the configured public URL, else the request's own
    scheme and Host header."""
    configured: str = request.app.state.settings.public_url
    if configured:
        return configured.rstrip("/")
    return str(request.base_url).rstrip("/")


def upload_signer(request: Request) -> UploadSigner:
    """The app's upload signer, made when the app starts from its signing key."""
    found: UploadSigner = request.app.state.upload_signer
    return found


def upload_links(request: Request) -> UploadLinks:
    """What makes a scene's upload URLs: the upload signer, or presigned URLs of the S3 store."""
    found: UploadLinks = request.app.state.upload_links
    return found


def download_signer(request: Request) -> DownloadSigner:
    """The app's download signer, made when the app starts from its signing key."""
    found: DownloadSigner = request.app.state.download_signer
    return found


def annotation_link(request: Request, found: DeliveredAnnotation) -> SignedUrl:
    """The signed URL of a delivered annotation's content (straight at the bucket with presigned
    S3 downloads)."""
    signer = download_signer(request)
    return signer.annotation_url(public_base(request), found.id, blob_key=found.row.blob_key)

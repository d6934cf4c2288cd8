"""Signed downloads: a URL signed here serves its one file or annotation, with no credentials,
until it expires; a forged, altered or expired one is 403 before anything is looked up, and one
whose target is gone is 404. Never a token's or an upload URL's signature."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from scenes_testing import JPEG_BYTES, Api, api, cameras_body

from annobatch.services.downloads import DownloadSigner
from annobatch.services.uploads import UploadSigner

__all__ = ["api"]  # the fixture


def signer(api: Api) -> DownloadSigner:
    found: DownloadSigner = api.client.app.state.download_signer
    return found


def created_scene(api: Api) -> str:
    sid = api.initialize()
    api.upload_all(api.create(cameras_body(sid)).json()["data"]["files"])
    assert api.commit(sid).status_code == 200
    return sid


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def test_a_signed_file_url_serves_the_uploaded_bytes_without_credentials(api: Api) -> None:
    sid = created_scene(api)
    url = signer(api).file_url("http://testserver.local", sid, 0).url
    r = api.client.get(path_of(url))
    assert r.status_code == 200, r.text
    assert r.content == JPEG_BYTES
    assert r.headers["content-type"] == "image/jpeg"
    assert r.headers["cache-control"].startswith("private")


def test_a_signed_url_is_good_for_its_own_target_only(api: Api) -> None:
    sid = created_scene(api)
    other = created_scene(api)
    url = signer(api).file_url("http://testserver.local", sid, 0).url
    r = api.client.get(path_of(url).replace(sid, other))
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")
    r = api.client.get(path_of(url).replace(f"{sid}/0", f"{sid}/1"))
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")


@pytest.mark.parametrize(
    "query",
    ["", "?expires=99999999999", "?signature=abc", "?expires=99999999999&signature=" + "0" * 64],
)
def test_an_unsigned_or_forged_url_is_forbidden(api: Api, query: str) -> None:
    sid = created_scene(api)
    r = api.client.get(f"/v1/downloads/scenes/{sid}/0{query}")
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")
    r = api.client.get(f"/v1/downloads/annotations/{sid}{query}")
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")


def test_an_expired_url_is_forbidden_naming_the_expiry(api: Api) -> None:
    sid = created_scene(api)
    url = signer(api).file_url("http://testserver.local", sid, 0, now=time.time() - 3600).url
    r = api.client.get(path_of(url))
    assert (r.status_code, r.json()["code"]) == (403, "download-url-expired")


def test_an_upload_signature_does_not_open_a_download(api: Api) -> None:
    sid = created_scene(api)
    uploads = UploadSigner.from_signing_key(api.client.app.state.authority.key, 3600)
    expires = int(time.time()) + 600
    sig = uploads.signature(sid, 0, expires)
    r = api.client.get(f"/v1/downloads/scenes/{sid}/0?expires={expires}&signature={sig}")
    assert (r.status_code, r.json()["code"]) == (403, "bad-signature")


def test_a_signed_url_whose_target_does_not_exist_is_404(api: Api) -> None:
    sid = created_scene(api)
    url = signer(api).file_url("http://testserver.local", sid, 5).url
    r = api.client.get(path_of(url))
    assert (r.status_code, r.json()["code"]) == (404, "file-not-found")
    missing = "00000000-0000-4000-8000-000000000000"
    url = signer(api).annotation_url("http://testserver.local", missing).url
    r = api.client.get(path_of(url))
    assert (r.status_code, r.json()["code"]) == (404, "annotation-not-found")


def test_a_file_not_uploaded_yet_is_404(api: Api) -> None:
    sid = api.initialize()
    api.create(cameras_body(sid))
    url = signer(api).file_url("http://testserver.local", sid, 0).url
    assert api.client.get(path_of(url)).status_code == 404


def test_a_malformed_expiry_is_bad_input_never_5xx(api: Api) -> None:
    sid = created_scene(api)
    r = api.client.get(f"/v1/downloads/scenes/{sid}/0?expires=soon&signature=abc")
    assert r.status_code == 400 and "expires" in r.json()["message"]


def test_the_url_names_its_expiry_and_the_ttl_is_the_settings(api: Api) -> None:
    signed = signer(api).annotation_url("http://x", "a", now=1000)
    query: dict[str, Any] = parse_qs(urlsplit(signed.url).query)
    assert signed.expires == 1000 + api.client.app.state.settings.download_url_ttl_seconds
    assert query["expires"] == [str(signed.expires)]

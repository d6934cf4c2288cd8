"""The upload engine on its own, against a scripted server: 5xx and dropped connections are
retried with backoff, a refusal is not, and what the server stored is checked against what was
sent."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import msgspec
import pytest

from annobatch import APIConnectionError, BadRequest, ServerError
from annobatch.client._journal import Journal
from annobatch.client._progress import Progress
from annobatch.client._requester import Requester, RetryPolicy
from annobatch.client._uploads import DamagedUpload, Uploader, UploadFile

DATA = b"\xff\xd8\xff" + bytes(3 * 1024 * 1024)


def stored(body: bytes) -> httpx.Response:
    answer = {"data": {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}}
    return httpx.Response(200, content=msgspec.json.encode(answer))


def uploader(answers: list[object], sleeps: list[float], retries: int = 3) -> tuple[Uploader, list[bytes]]:
    bodies: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = request.read()
        bodies.append(body)
        answer = answers.pop(0) if answers else "ok"
        if isinstance(answer, Exception):
            raise answer
        if answer == "ok":
            return stored(body)
        if answer == "damaged":
            return stored(body[:-1])
        assert isinstance(answer, int)
        return httpx.Response(answer, json={"message": f"status {answer}", "code": "x"})

    http = httpx.Client(transport=httpx.MockTransport(handler))
    up = Uploader(Requester("http://h", http, None, 5, RetryPolicy()), workers=2, retries=retries)
    up.retry = RetryPolicy(retries=retries, backoff=0.5, sleep=sleeps.append, random=lambda: 1.0)
    return up, bodies


def one_file(tmp_path: Path) -> tuple[UploadFile, Journal]:
    path = tmp_path / "a.jpg"
    path.write_bytes(DATA)
    journal = Journal(tmp_path / "journal", "k")
    journal.start("scene")
    return UploadFile("a.jpg", "http://h/v1/uploads/s/0", "image/jpeg", path=path), journal


def test_a_5xx_and_a_dropped_connection_are_retried_with_growing_waits(tmp_path: Path) -> None:
    sleeps: list[float] = []
    up, bodies = uploader([503, httpx.ReadError("reset"), 500], sleeps)
    f, journal = one_file(tmp_path)
    with Progress(False) as progress:
        up.upload_all([f], journal, progress)
    assert len(bodies) == 4 and all(b == DATA for b in bodies)
    assert sleeps == [0.5, 1.0, 2.0]
    assert progress.bytes_done == len(DATA) and progress.files_done == 1
    confirmed = Journal.open(tmp_path / "journal", "k").confirmed("a.jpg")
    assert confirmed is not None and confirmed.sha256 == hashlib.sha256(DATA).hexdigest()


def test_retries_end_with_the_last_error(tmp_path: Path) -> None:
    up, bodies = uploader([503, 503, 503], [], retries=2)
    f, journal = one_file(tmp_path)
    with pytest.raises(ServerError):
        up.upload_all([f], journal, Progress(False))
    assert len(bodies) == 3
    up, _ = uploader([httpx.ConnectError("refused")] * 2, [], retries=1)
    with pytest.raises(APIConnectionError):
        up.upload_all([f], journal, Progress(False))


def test_a_refusal_is_not_retried(tmp_path: Path) -> None:
    up, bodies = uploader([400], [])
    f, journal = one_file(tmp_path)
    with pytest.raises(BadRequest):
        up.upload_all([f], journal, Progress(False))
    assert len(bodies) == 1


def test_a_file_stored_other_than_sent_is_sent_again(tmp_path: Path) -> None:
    up, bodies = uploader(["damaged", "damaged"], [], retries=1)
    f, journal = one_file(tmp_path)
    with pytest.raises(DamagedUpload):
        up.upload_all([f], journal, Progress(False))
    up, bodies = uploader(["damaged"], [])
    up.upload_all([f], journal, Progress(False))
    assert len(bodies) == 2


def test_a_file_the_journal_confirms_is_not_sent(tmp_path: Path) -> None:
    up, bodies = uploader([], [])
    f, journal = one_file(tmp_path)
    journal.confirm("a.jpg", hashlib.sha256(DATA).hexdigest(), len(DATA))
    up.upload_all([f], journal, Progress(False))
    assert bodies == []


def test_an_upload_url_that_answers_2xx_without_saying_what_it_stored_is_taken_at_its_word(
    tmp_path: Path,
) -> None:
    up, _ = uploader([], [])
    up.requester.http = httpx.Client(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    f, journal = one_file(tmp_path)
    up.upload_all([f], journal, Progress(False))
    confirmed = journal.confirmed("a.jpg")
    assert confirmed is not None and confirmed.size == len(DATA)

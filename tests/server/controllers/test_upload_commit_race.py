"""An upload and the commit of one scene never overlap: a client re-uploading other bytes to a
file's signed URL while the scene is being committed, on a real server with two worker processes.

Each round makes `SCENES` camera scenes of one JPEG each and uploads it; then, for every scene at
once, one thread keeps uploading to the same URL, bytes that are no image and the JPEG in turn,
until it is refused, while another commits. Whatever the interleaving, an upload answers 200
(before the commit) or 409 (after it); the file stored is the last one answered 200 (the first
JPEG if none was), exactly the one the commit looked at: the scene is created if it is the JPEG,
failed saying it is no image otherwise, and never "missing from storage"; and no blob of the scene
is left beside the one it points at.
"""

from __future__ import annotations

import hashlib
import itertools
import random
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
from scenes_testing import JPEG_BYTES, cameras_body

from annobatch.services.identity import operator
from conftest import Live, unique

#: Rounds, and scenes raced at once in each: 120 scenes in all, each an upload racing a commit.
ROUNDS = 30
SCENES = 4

NOT_AN_IMAGE = b"these bytes are no image at all\n" * 64
#: An uploader gives up after this many uploads (the commit has always come long before).
MAX_UPLOADS = 200


def client_for(live: Live) -> tuple[int, httpx.Client]:
    world = live.world
    org = world.org(unique("uploaders"))
    cred = world.credential(org)
    world.project(org, "p1", ["object-detection"])
    world.batch(org, "p1", "b1")
    form = {
        "grant_type": "client_credentials",
        "client_id": cred.record.client_id,
        "client_secret": cred.secret,
    }
    token = httpx.post(f"{live.url}/v1/auth/oauth/token", data=form).json()["access_token"]
    return org, httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}, timeout=60)


def uploaded_scene(c: httpx.Client) -> tuple[str, str]:
    sid = str(uuid.uuid4())
    r = c.post("/v1/inputs/project/p1/cameras", json=cameras_body(sid))
    assert r.status_code == 200, r.text
    (url,) = r.json()["data"]["files"].values()
    assert httpx.put(url, content=JPEG_BYTES).status_code == 200
    return sid, url


def race_round(c: httpx.Client, scenes: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    barrier = threading.Barrier(2 * len(scenes))
    answers: dict[tuple[str, str], Any] = {}

    def upload(sid: str, url: str) -> None:
        """Upload in turn until refused; answers the bytes of the last upload answered 200."""
        last = JPEG_BYTES
        with httpx.Client(timeout=60) as h:
            barrier.wait(timeout=60)
            for data in itertools.islice(itertools.cycle([NOT_AN_IMAGE, JPEG_BYTES]), MAX_UPLOADS):
                status = h.put(url, content=data).status_code
                if status != 200:
                    answers[(sid, "upload")] = (status, last)
                    return
                last = data
        answers[(sid, "upload")] = (200, last)

    def commit(sid: str) -> None:
        barrier.wait(timeout=60)
        time.sleep(random.uniform(0, 0.02))  # land anywhere in the stream of uploads
        r = c.post(f"/v1/inputs/{sid}/actions/commit")
        answers[(sid, "commit")] = (r.status_code, r.json())

    threads = [threading.Thread(target=upload, args=s) for s in scenes]
    threads += [threading.Thread(target=commit, args=(sid,)) for sid, _ in scenes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


def test_a_reupload_racing_the_commit_never_changes_what_the_commit_checked(live_two_workers: Live) -> None:
    live = live_two_workers
    org, c = client_for(live)
    blobs = Path(live.server.data_dir) / "blobs"
    outcomes: Counter[str] = Counter()
    wrong: list[str] = []
    with c:
        for _ in range(ROUNDS):
            scenes = [uploaded_scene(c) for _ in range(SCENES)]
            answers = race_round(c, scenes)
            for sid, _ in scenes:
                refused, last = answers[(sid, "upload")]
                status, body = answers[(sid, "commit")]
                assert refused == 409 and status == 200, (refused, status, body)
                detail = live.world.run(live.world.ops.scenes.scene(operator(org), sid))
                scene, (file,) = detail.scene, detail.resources
                stored = (blobs / file.blob_key).read_bytes() if file.blob_key else b""
                outcomes[scene.status] += 1
                checked = {
                    "created": (JPEG_BYTES, None),
                    "failed": (NOT_AN_IMAGE, "file /data/CAM.jpg is not a JPEG, PNG, WebP or AVIF image"),
                }.get(scene.status)
                if checked is None or (stored, scene.error_message) != checked or stored != last:
                    wrong.append(
                        f"{sid}: {scene.status} ({scene.error_message}); last upload kept: {stored == last}"
                    )
                    continue
                # What is stored is what was recorded, and nothing else of the scene is kept.
                assert hashlib.sha256(stored).hexdigest() == file.sha256
                assert sorted(p.name for p in (blobs / "scenes" / sid).iterdir()) == [
                    file.blob_key.split("/")[-1]
                ]
    assert wrong == [], f"{len(wrong)} of {ROUNDS * SCENES} scenes went wrong: {wrong[:10]}; all: {outcomes}"
    assert outcomes["created"] and outcomes["failed"], f"the race was not run both ways: {outcomes}"
    assert "Traceback" not in live.server.log()

"""The workforce's pages: my work (my tasks, what waits in each of my projects; claim, open, give
up), the editor of an annotate or correct task, and the review page of a review task. Every action
calls `WorkService`, as the workforce API does; a refusal shows the rule's own message where the
button was (`errors.refused`).

The editor and the review page send their documents as JSON (`static/editor.js`, with the
session's CSRF token in `X-CSRF-Token`)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from annobatch import schemas
from annobatch.domain import TaskKind
from annobatch.server.dashboard.scenes import clouds_of, image_url
from annobatch.server.dashboard.web import ROLES, WORKFORCE_PAGES, confirmation, page, redirect
from annobatch.services.identity import Caller
from annobatch.services.work import WorkService
from annobatch.services.work_pages import WorkBench, WorkPageService
from annobatch.storage.records import now_micros

MY_WORK = "/work"
GIVE_UP = (
    "Give up this task: it returns to the queue for anyone to claim; the draft you saved stays with "
    "it (changes you did not save are lost)."
)


def task_path(task_id: str) -> str:
    return f"{MY_WORK}/tasks/{task_id}"


class WorkPages(Controller):
    path = MY_WORK
    include_in_schema = False
    opt = {ROLES: WORKFORCE_PAGES}

    @get("/")
    async def my_work_page(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work_pages: NamedDependency[WorkPageService],
    ) -> Template:
        return page(request, "work_my.html", work=await work_pages.my_work(caller), give_up_message=GIVE_UP)

    @post("/claim")
    async def claim(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
    ) -> Response[Any]:
        """The next task of a project (of any, when the form names none): the editor or the
        review page opens on it."""
        form = await request.form()
        project = form.get("project") or None
        detail = await work.claim(caller, str(project) if project else None)
        return redirect(request, task_path(detail.task.id))

    @get("/tasks/{task:str}")
    async def task_page(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work_pages: NamedDependency[WorkPageService],
        task: FromPath[str],
    ) -> Template:
        bench = await work_pages.bench(caller, task)
        reviewing = bench.detail.task.kind == TaskKind.REVIEW
        template = "work_review.html" if reviewing else "work_editor.html"
        mode = ("review" if reviewing else "edit") if bench.holding else "view"
        images = any(f.images for f in bench.frames)
        # A lidar scene: its first frame's point clouds from above, instead of the editor.
        first = bench.frames[0].clouds if bench.frames and not images else []
        return page(
            request, template, bench=bench, mode=mode, scene_has_images=images, give_up_message=GIVE_UP,
            clouds=await clouds_of(work_pages.scenes, caller, bench.detail.scene.id, first),
            editor_data=_editor_data(request, bench, mode) if images else "",
        )  # fmt: skip

    @post("/tasks/{task:str}/draft")
    async def save_draft(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.AnnotationsRequest],
    ) -> Template:
        await work.save_draft(caller, task, data.annotations)
        return page(request, "work_saved.html", saved=now_micros())

    @post("/tasks/{task:str}/submit")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.AnnotationsRequest],
    ) -> Response[Any]:
        versions = await work.submit(caller, task, data.annotations)
        types = ", ".join(v.annotation_type for v in versions)
        return redirect(request, MY_WORK, f"Submitted: {types}. The input moves on.")

    @post("/tasks/{task:str}/give-up")
    async def give_up(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        task: FromPath[str],
    ) -> Response[Any]:
        """Confirmed first (htmx asks; without it, a confirmation page)."""
        asked = confirmation(request, await request.form(), message=GIVE_UP, label="Give up", back=MY_WORK)
        if asked is not None:
            await work.task(caller, task)  # not found before anything is asked
            return asked
        await work.give_up(caller, task)
        return redirect(request, MY_WORK, "Task given up: it waits for someone to claim it.")

    @post("/tasks/{task:str}/review")
    async def review(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        work: NamedDependency[WorkService],
        task: FromPath[str],
        data: JSONBody[schemas.WorkforceReviewRequest],
    ) -> Response[Any]:
        items = [msgspec.to_builtins(f) for f in data.feedback_items]
        await work.review(caller, task, data.accepted, items)
        said = "Accepted." if data.accepted else f"Rejected with {len(items)} item(s): a correction follows."
        return redirect(request, MY_WORK, said)


def _frames_data(bench: WorkBench) -> list[dict[str, Any]]:
    """The frames that have stored images, each with its images' addresses (and sizes, where
    known: the editor reads the others from the images)."""
    frames = [
        {
            "key": f.key,
            "frameId": f.frame_id,
            "timestamp": f.relative_timestamp,
            "images": [
                {
                    "sensor": r.sensor_name,
                    "url": image_url(r),
                    "width": bench.image_sizes.get(r.position, (0, 0))[0],
                    "height": bench.image_sizes.get(r.position, (0, 0))[1],
                }
                for r in f.images
                if r.blob_key is not None
            ],
        }
        for f in bench.frames
    ]
    return [f for f in frames if f["images"]]


def _editor_data(request: Request[Any, Any, Any], bench: WorkBench, mode: str) -> str:
    """What `editor.js` starts from, as JSON for a `<script type="application/json">` block
    (`</` escaped, so that no document can close the block)."""
    d = bench.detail
    base = task_path(d.task.id)
    urls = {
        "edit": {"draft": f"{base}/draft", "submit": f"{base}/submit"},
        "review": {"review": f"{base}/review"},
    }
    data = {
        "mode": mode,
        "taskId": d.task.id,
        "kind": d.task.kind,
        "csrf": request.scope["auth"].csrf,
        "urls": urls.get(mode, {}),
        "types": d.annotation_types,
        "classes": d.classes,
        "frames": _frames_data(bench),
        "documents": bench.documents,
        "feedback": bench.feedback,
        "errorTypes": [
            {"id": e.id, "name": e.name, "pinAllowed": e.pin_allowed, "objectAllowed": e.object_allowed}
            for e in bench.error_types
        ],
    }
    return msgspec.json.encode(data).decode().replace("</", "<\\/")

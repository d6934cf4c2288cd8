"""The HTML of the `/view` page a scene's `viewLink` opens: its status, files and inputs."""

from __future__ import annotations

import html
from collections.abc import Sequence

from annobatch import presenters
from annobatch.domain import SceneType
from annobatch.services.scenes import SceneDetail

#: The pages carry their style inline and load nothing: the strictest policy that shows them.
POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'none'"
)


def scene_page(d: SceneDetail) -> str:
    return _page(f"Scene {d.scene.external_id}", _describe_scene(d))


def not_found_page(scene: str) -> str:
    return _page("Scene not found", f"<p>No scene {html.escape(scene)}.</p>")


def _page(title: str, body: str) -> str:
    style = (
        "body{font-family:system-ui,sans-serif;margin:2rem;max-width:72rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}"
        "code{font-size:.9em}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)} · annobatch</title>"
        f"<style>{style}</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )


def _table(head: list[str], rows: Sequence[Sequence[object]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    trs = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{trs}</tbody></table>"


def _describe_scene(d: SceneDetail) -> str:
    s = d.scene
    facts = [
        ["uuid", s.id], ["external id", s.external_id], ["type", SceneType(s.scene_type).wire_name],
        ["status", s.status], ["created", presenters.when(s.created).isoformat()],
        ["workspace", s.workspace_id],
        ["calibration", s.calibration_id or "—"],
    ]  # fmt: skip
    if s.error_message:
        facts.append(["error", s.error_message])
    files = [
        [
            r.resource_id, r.frame_id or "—", r.sensor_name, r.kind,
            "uploaded" if r.blob_key else ("described only" if not r.upload else "not stored"),
            r.size if r.size is not None else "—", r.sha256 or "—",
        ]
        for r in d.resources
    ]  # fmt: skip
    inputs = [[i.id, i.project, i.batch, i.status, presenters.when(i.created).isoformat()] for i in d.inputs]
    return (
        _table(["", ""], facts)
        + f"<h2>Files ({len(files)})</h2>"
        + _table(["resource id", "frame", "sensor", "kind", "state", "bytes", "sha256"], files)
        + f"<h2>Inputs ({len(inputs)})</h2>"
        + (_table(["input", "project", "batch", "status", "created"], inputs) if inputs else "<p>None.</p>")
    )

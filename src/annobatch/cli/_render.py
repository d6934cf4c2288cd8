"""How kognicutil shows things: rich tables in the official tool's columns, or JSON."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console

from annobatch import BatchDetail, Event, Project, ProjectBatch
from annobatch.cli._tables import print_json, print_table

PROJECT_COLUMNS = ("created", "project", "title", "description", "status")
BATCH_COLUMNS = ("created", "project", "batch", "title", "status", "updated")
COUNT_COLUMNS = ("pending", "processing", "created", "failed", "invalidated", "total")
EVENT_COLUMNS = ("id", "created", "kind", "batch", "actor", "data")


class Renderer:
    """Writes one result to stdout: a table on a terminal (plain text when piped), or JSON."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def _console(self) -> Console:
        # Piped output is not cut to 80 columns: the table keeps its natural width.
        console = Console(highlight=False)
        return console if console.is_terminal else Console(highlight=False, width=4096)

    def json(self, value: Any) -> None:
        print_json(value)

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        print_table(self._console(), columns, rows, title=title)

    def rows(self, title: str, columns: Sequence[str], items: Sequence[Any]) -> None:
        if self.as_json:
            self.json(items)
        else:
            self.table(title, columns, ([getattr(i, c) for c in columns] for i in items))

    def projects(self, projects: Sequence[Project]) -> None:
        self.rows("PROJECTS", PROJECT_COLUMNS, projects)

    def project(self, project: Project) -> None:
        """One project: a one-row table, or the object itself as JSON."""
        if self.as_json:
            self.json(project)
        else:
            self.projects([project])

    def batches(self, batches: Sequence[ProjectBatch], title: str = "BATCHES") -> None:
        self.rows(title, BATCH_COLUMNS, batches)

    def batch(self, batch: ProjectBatch, title: str = "BATCHES") -> None:
        """One batch: a one-row table, or the object itself as JSON."""
        if self.as_json:
            self.json(batch)
        else:
            self.batches([batch], title)

    def batch_detail(self, detail: BatchDetail) -> None:
        if self.as_json:
            self.json(detail)
            return
        columns = (*BATCH_COLUMNS, "annotation types")
        row = [*(getattr(detail, c) for c in BATCH_COLUMNS), ", ".join(detail.annotation_types)]
        self.table("BATCH", columns, [row])
        counts = detail.input_counts
        self.table("INPUTS", COUNT_COLUMNS, [[getattr(counts, c) for c in COUNT_COLUMNS]])

    def annotation_types(self, types: Sequence[str]) -> None:
        if self.as_json:
            self.json(types)
        else:
            self.table("ANNOTATION TYPES", ("annotation type",), ([t] for t in types))

    def events(self, events: Sequence[Event]) -> None:
        self.rows("EVENTS", EVENT_COLUMNS, events)

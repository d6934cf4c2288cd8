"""Background jobs, for staff: the queue (the dead letters above all) and a retry of a dead job."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from annobatch import presenters, schemas
from annobatch.domain import INT64_MAX
from annobatch.services.identity import Caller
from annobatch.services.jobs import JobService

JobStatusFilter = Annotated[str | None, QueryParameter(name="status")]
JobCursor = Annotated[int, QueryParameter(name="after", ge=0, le=INT64_MAX)]
JobLimit = Annotated[int, QueryParameter(ge=1, le=1000)]


class JobController(Controller):
    path = "/v1/jobs"
    tags = ["jobs"]

    @get(summary="Background jobs (staff): queued, running and dead, in id order after a cursor")
    async def list_jobs(
        self,
        caller: NamedDependency[Caller],
        jobs: NamedDependency[JobService],
        status: JobStatusFilter = None,
        after: JobCursor = 0,
        limit: JobLimit = 100,
    ) -> schemas.Envelope[list[schemas.Job]]:
        return schemas.Envelope([presenters.job(j) for j in await jobs.jobs(caller, status, after, limit)])

    @post("/{job_id:str}/retry", status_code=200, summary="Run a dead job again (staff)")
    async def retry_job(
        self, caller: NamedDependency[Caller], jobs: NamedDependency[JobService], job_id: FromPath[str]
    ) -> schemas.Envelope[schemas.Job]:
        return schemas.Envelope(presenters.job(await jobs.retry(caller, job_id)))

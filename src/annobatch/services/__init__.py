"""The application's operations, one service per aggregate, shared by the HTTP API and the
operator CLI. Each operation is one unit of work: load the facts, let `annobatch.domain` decide,
write. Nothing here speaks HTTP or parses a command line."""

from __future__ import annotations

from dataclasses import dataclass

from annobatch.domain import DEFAULT_LEASE_SECONDS, SceneLimits, SweepPolicy
from annobatch.services.accounts import AccountService
from annobatch.services.batches import BatchService
from annobatch.services.calibrations import CalibrationService
from annobatch.services.cloud_pre_annotations import CloudPreAnnotationService
from annobatch.services.cloud_storage import CloudStorage
from annobatch.services.dashboard import DashboardService
from annobatch.services.deliveries import DeliveryService
from annobatch.services.direct_uploads import DirectUploads
from annobatch.services.downloads import DownloadService
from annobatch.services.housekeeping import SWEEP_JOB, HousekeepingService
from annobatch.services.inputs import InputService
from annobatch.services.jobs import JobKind, JobService
from annobatch.services.pre_annotations import PreAnnotationService
from annobatch.services.projects import ProjectService
from annobatch.services.scene_recovery import SceneRecoveryService
from annobatch.services.scene_views import SceneViewService
from annobatch.services.scenes import INLINE, PROCESS_JOB, SceneService
from annobatch.services.scenes_v2 import SceneV2Service
from annobatch.services.webhooks import DELIVERY_JOB, WebhookOptions, WebhookService
from annobatch.services.work import WorkService
from annobatch.services.work_pages import WorkPageService
from annobatch.services.workforce import WorkforceService
from annobatch.storage.blobs import BlobStore, NoBlobStore
from annobatch.storage.database import Database

__all__ = ["Services"]


@dataclass(frozen=True, slots=True)
class Services:
    """Every service over one database (and blob store), made once per process."""

    db: Database
    accounts: AccountService
    projects: ProjectService
    batches: BatchService
    scenes: SceneService
    scene_recovery: SceneRecoveryService
    inputs: InputService
    calibrations: CalibrationService
    housekeeping: HousekeepingService
    downloads: DownloadService
    deliveries: DeliveryService
    workforce: WorkforceService
    work: WorkService
    cloud: CloudStorage
    scenes_v2: SceneV2Service
    pre_annotations: PreAnnotationService
    cloud_pre_annotations: CloudPreAnnotationService
    scene_views: SceneViewService
    work_pages: WorkPageService
    dashboard: DashboardService
    jobs: JobService
    webhooks: WebhookService

    @classmethod
    def over(
        cls,
        db: Database,
        blobs: BlobStore | None = None,
        scene_limits: SceneLimits | None = None,
        task_lease_seconds: int = DEFAULT_LEASE_SECONDS,
        secret_key: str = "",
        max_file_bytes: int | None = None,
        direct_uploads: DirectUploads | None = None,
        *,
        sweep_policy: SweepPolicy | None = None,
        scene_processing: str = INLINE,
        webhooks: WebhookOptions | None = None,
    ) -> Services:
        """The services over `db`; without a blob store, the scene operations that touch files
        refuse. `scene_limits`: how large one scene may be (the domain's defaults otherwise);
        `task_lease_seconds`: how long a held task stays held without a save; `secret_key`: the
        configured signing key (else the database's), which seals storage keys; `max_file_bytes`:
        the largest file copied from an organization's bucket; `direct_uploads`: files uploaded
        straight to an S3 blob store, recorded at the commit; `sweep_policy`: what the periodic
        sweep removes; `scene_processing`: whether a commit processes its scene at once
        (`inline`) or in a background job (`job`); `webhooks`: where webhooks may go."""
        store = blobs or NoBlobStore()
        scenes = SceneService(db, store, scene_limits, direct_uploads, processing=scene_processing)
        cloud = CloudStorage(db, store, secret_key, max_file_bytes)
        # An indexed pre-annotation's document is read from the organization's bucket.
        pre_annotations = PreAnnotationService(db, store, cloud.read_pre_annotation)
        work = WorkService(db, store, task_lease_seconds)
        scene_views = SceneViewService(db, store)
        return cls(
            db=db,
            accounts=AccountService(db),
            projects=ProjectService(db),
            batches=BatchService(db),
            scenes=scenes,
            scene_recovery=SceneRecoveryService(db, store),
            inputs=InputService(db, blobs),
            calibrations=CalibrationService(db),
            downloads=DownloadService(db, store),
            deliveries=DeliveryService(db, store),
            housekeeping=HousekeepingService(db, blobs or NoBlobStore(), task_lease_seconds, sweep_policy),
            workforce=WorkforceService(db),
            work=work,
            cloud=cloud,
            scenes_v2=SceneV2Service(scenes, cloud),
            pre_annotations=pre_annotations,
            cloud_pre_annotations=CloudPreAnnotationService(cloud, pre_annotations),
            scene_views=scene_views,
            work_pages=WorkPageService(db, store, work, scene_views),
            dashboard=DashboardService(db),
            jobs=JobService(db),
            webhooks=WebhookService(db, webhooks, secret_key=secret_key),
        )

    def job_kinds(self) -> dict[str, JobKind]:
        """What runs each kind of background job (`annobatch.services.jobs.JobWorker`)."""
        return {
            DELIVERY_JOB: JobKind(self.webhooks.deliver, self.webhooks.options.retries),
            SWEEP_JOB: JobKind(self.housekeeping.sweep_job),
            PROCESS_JOB: JobKind(self.scenes.process_job),
        }

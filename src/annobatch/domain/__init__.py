"""The product rules of annobatch, pure and stdlib-only.

Everything that decides *what is allowed* lives in this package: statuses and their transitions,
which batch a new input goes to, what a new batch inherits, what an identifier, a scene or a
calibration may look like, and the typed errors (with stable codes) that the server and the
operator CLI turn into answers. `annobatch.domain` re-exports every rule: exactly the names in
its submodules' `__all__` (a test pins the list).
"""

from annobatch.domain import (
    batches,
    calibrations,
    cloud,
    errors,
    housekeeping,
    imu_files,
    integers,
    jobs,
    openlabel,
    pre_annotations,
    reviews,
    scene_lifecycle,
    scenes,
    tasks,
    webhooks,
    workflow,
    workforce,
)
from annobatch.domain.batches import *  # noqa: F403
from annobatch.domain.calibrations import *  # noqa: F403
from annobatch.domain.cloud import *  # noqa: F403
from annobatch.domain.errors import *  # noqa: F403
from annobatch.domain.housekeeping import *  # noqa: F403
from annobatch.domain.imu_files import *  # noqa: F403
from annobatch.domain.integers import *  # noqa: F403
from annobatch.domain.jobs import *  # noqa: F403
from annobatch.domain.openlabel import *  # noqa: F403
from annobatch.domain.pre_annotations import *  # noqa: F403
from annobatch.domain.reviews import *  # noqa: F403
from annobatch.domain.scene_lifecycle import *  # noqa: F403
from annobatch.domain.scenes import *  # noqa: F403
from annobatch.domain.tasks import *  # noqa: F403
from annobatch.domain.webhooks import *  # noqa: F403
from annobatch.domain.workflow import *  # noqa: F403
from annobatch.domain.workforce import *  # noqa: F403

__all__ = sorted(
    [
        *batches.__all__,
        *calibrations.__all__,
        *cloud.__all__,
        *errors.__all__,
        *housekeeping.__all__,
        *imu_files.__all__,
        *integers.__all__,
        *jobs.__all__,
        *openlabel.__all__,
        *pre_annotations.__all__,
        *reviews.__all__,
        *scene_lifecycle.__all__,
        *scenes.__all__,
        *tasks.__all__,
        *webhooks.__all__,
        *workflow.__all__,
        *workforce.__all__,
    ]
)

from annobatch.domain import BatchStatus as ProjectBatchStatus
from annobatch.schemas import ProjectBatch

__all__ = ["ProjectBatch", "ProjectBatchStatus"]

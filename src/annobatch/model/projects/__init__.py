from annobatch.domain import BatchStatus as ProjectBatchStatus
from annobatch.schemas import Project, ProjectBatch

__all__ = ["Project", "ProjectBatch", "ProjectBatchStatus"]

"""`FileData` where the official client has it (`kognic.io.resources.scene.file_data`)."""

from annobatch.model.scene.resources.file_data import FileData

__all__ = ["FileData"]

"""A scene's summary: its sensors, frame times, and whether it is motion compensated."""

from annobatch.schemas import SceneSummary

__all__ = ["SceneSummary"]

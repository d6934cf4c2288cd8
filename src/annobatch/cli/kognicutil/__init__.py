"""`kognicutil`: the client CLI, built on the SDK's public API only (`from annobatch import ...`),
as any tool of a user's would be.

It answers both the seed's forms (`kognicutil project P --batches`) and the official tool's
(`kognicutil projects P --get-batches`, `inputs`, `scenes`, `view`, `calibration`), with the
official tool's table columns, and adds its own: `upload` (a folder described by a manifest),
`annotations download`, `requests` and `review`. One module per group of commands; importing
this package registers them on `cli`.
"""

from __future__ import annotations

from annobatch.cli.kognicutil import deliveries, inputs, projects, upload
from annobatch.cli.kognicutil._base import Options, cli

__all__ = ["Options", "cli", "deliveries", "inputs", "main", "projects", "upload"]


def main() -> None:
    cli(prog_name="kognicutil")

"""`annobatch storage`: an organization's own S3-compatible buckets, which its cloud resources
(`s3://bucket/key` in v2 scenes and pre-annotations) are read from.

The keys are read from a file (`--keys-file`, lines `access_key_id=…` and `secret_access_key=…`,
`aws_` prefixes and upper case accepted) or from the environment
(`ANNOBATCH_STORAGE_ACCESS_KEY_ID`, `ANNOBATCH_STORAGE_SECRET_ACCESS_KEY`); never from the command
line (it would stay in the shell's history), and never printed back.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from annobatch.cli._tables import print_json
from annobatch.cli.operator.base import (
    ORG_OPTION,
    OperatorError,
    common_options,
    env,
    info,
    iso,
    print_table,
    run,
    when,
)
from annobatch.services import Services
from annobatch.services.cloud_storage import StorageView
from annobatch.services.identity import operator
from annobatch.services.storage_keys import StorageKeys

ACCESS_ENV = "ANNOBATCH_STORAGE_ACCESS_KEY_ID"
SECRET_ENV = "ANNOBATCH_STORAGE_SECRET_ACCESS_KEY"


def read_keys(keys_file: Path | None) -> StorageKeys:
    """The keys from the file, else from the environment; an error never shows a value."""
    if keys_file is not None:
        try:
            text = keys_file.read_text()
        except OSError as e:
            raise OperatorError(f"cannot read the keys file {keys_file}: {e.strerror}") from None
        values: dict[str, str] = {}
        for line in text.splitlines():
            name, sep, value = line.partition("=")
            if sep:
                values[name.strip().lower().removeprefix("aws_")] = value.strip().strip("\"'")
        access, secret = values.get("access_key_id", ""), values.get("secret_access_key", "")
        if not access or not secret:
            raise OperatorError(
                f"the keys file {keys_file} needs two lines: access_key_id=… and secret_access_key=…"
            )
        return StorageKeys(access, secret)
    access, secret = os.environ.get(ACCESS_ENV, ""), os.environ.get(SECRET_ENV, "")
    if not access or not secret:
        raise OperatorError(f"give --keys-file FILE, or set {ACCESS_ENV} and {SECRET_ENV}")
    return StorageKeys(access, secret)


def _json(v: StorageView) -> dict[str, object]:
    return {
        "organization": v.organization_id,
        "endpoint": v.endpoint,
        "bucket": v.bucket,
        "region": v.region,
        "created": iso(v.created),
    }


@click.group()
def storage() -> None:
    """An organization's own buckets (cloud resources are read from them); keys are kept sealed."""


@storage.command("add")
@ORG_OPTION
@click.option("--endpoint", required=True, metavar="URL", help="The S3-compatible endpoint, http(s)://…")
@click.option("--bucket", required=True, metavar="B", help="The bucket (cloud resources name s3://B/…).")
@click.option("--region", metavar="REGION", help="The bucket's region (default us-east-1).")
@click.option(
    "--keys-file", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
    help=f"access_key_id=… and secret_access_key=… lines; else {ACCESS_ENV} and {SECRET_ENV}.",
)  # fmt: skip
@common_options
def storage_add(org_ref: str, endpoint: str, bucket: str, region: str | None, keys_file: Path | None) -> None:
    """Configure BUCKET at ENDPOINT for ORG. The keys are sealed and never shown again."""
    keys = read_keys(keys_file)

    async def work(ops: Services) -> StorageView:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.cloud.add(operator(o.id), endpoint, bucket, region, keys)

    v = run(work)
    if env().as_json:
        print_json(_json(v))
    else:
        info(
            f"bucket {v.bucket} at {v.endpoint} configured for organization {v.organization_id} (keys sealed)"
        )


@storage.command("list")
@ORG_OPTION
@common_options
def storage_list(org_ref: str) -> None:
    """The buckets configured for ORG (never their keys)."""

    async def work(ops: Services) -> list[StorageView]:
        o = await ops.accounts.find_organization(org_ref)
        return await ops.cloud.list(operator(o.id))

    views = run(work)
    if env().as_json:
        print_json([_json(v) for v in views])
    else:
        print_table(
            ["bucket", "endpoint", "region", "created"],
            [(v.bucket, v.endpoint, v.region or "", when(v.created)) for v in views],
        )


@storage.command("remove")
@ORG_OPTION
@click.option("--bucket", required=True, metavar="B", help="The bucket to forget.")
@common_options
def storage_remove(org_ref: str, bucket: str) -> None:
    """Forget BUCKET for ORG (its keys go with it); scenes already imported keep their copies."""

    async def work(ops: Services) -> None:
        o = await ops.accounts.find_organization(org_ref)
        await ops.cloud.remove(operator(o.id), bucket)

    run(work)
    info(f"bucket {bucket} removed")

"""`annobatch storage add|list|remove`: an organization's own bucket, its keys read from a file or
the environment, sealed, never printed back (both databases)."""

from __future__ import annotations

from pathlib import Path

from operator_testing import assert_refused, cli, ok_json

ACCESS, SECRET = "AKIAEXAMPLEACCESS01", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYsecret01"


def test_add_list_remove_never_show_the_keys(database_url: str, tmp_path: Path) -> None:
    cli(database_url, "org", "create", "acme")
    keys = tmp_path / "keys"
    keys.write_text(f"AWS_ACCESS_KEY_ID={ACCESS}\naws_secret_access_key = {SECRET}\n")
    r = cli(database_url, "storage", "add", "--org", "acme", "--endpoint", "http://127.0.0.1:9000",
            "--bucket", "sensor-data", "--keys-file", str(keys))  # fmt: skip
    assert r.exit_code == 0, r.stderr
    assert ACCESS not in r.output and SECRET not in r.output
    env = {"ANNOBATCH_STORAGE_ACCESS_KEY_ID": ACCESS, "ANNOBATCH_STORAGE_SECRET_ACCESS_KEY": SECRET}
    r = cli(database_url, "storage", "add", "--org", "acme", "--endpoint", "https://s3.example.com",
            "--bucket", "more-data", "--region", "eu-north-1", env=env)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    listed = ok_json(database_url, "storage", "list", "--org", "acme")
    assert [(s["bucket"], s["endpoint"], s["region"]) for s in listed] == [
        ("more-data", "https://s3.example.com", "eu-north-1"),
        ("sensor-data", "http://127.0.0.1:9000", None),
    ]
    table = cli(database_url, "storage", "list", "--org", "acme")
    for out in (str(listed), table.output):
        assert ACCESS not in out and SECRET not in out
    assert "sensor-data" in table.output
    refused = cli(database_url, "storage", "add", "--org", "acme", "--endpoint", "http://x",
                  "--bucket", "sensor-data", "--keys-file", str(keys))  # fmt: skip
    line = assert_refused(refused, "sensor-data", "already")
    assert ACCESS not in line and SECRET not in line
    assert cli(database_url, "storage", "remove", "--org", "acme", "--bucket", "sensor-data").exit_code == 0
    assert [s["bucket"] for s in ok_json(database_url, "storage", "list", "--org", "acme")] == ["more-data"]
    assert_refused(
        cli(database_url, "storage", "remove", "--org", "acme", "--bucket", "sensor-data"), "sensor-data"
    )


def test_bad_input_is_refused_in_one_line(database_url: str, tmp_path: Path) -> None:
    cli(database_url, "org", "create", "acme")
    keys = tmp_path / "keys"
    keys.write_text(f"access_key_id={ACCESS}\n")
    add = ["storage", "add", "--org", "acme", "--endpoint", "http://127.0.0.1:9000", "--bucket", "b-1"]
    line = assert_refused(cli(database_url, *add, "--keys-file", str(keys)), "secret_access_key")
    assert ACCESS not in line
    assert_refused(cli(database_url, *add, env={"ANNOBATCH_STORAGE_ACCESS_KEY_ID": ""}), "--keys-file")
    keys.write_text(f"access_key_id={ACCESS}\nsecret_access_key={SECRET}\n")
    bad_bucket = ["storage", "add", "--org", "acme", "--endpoint", "http://h", "--bucket", "Bad_Bucket"]
    assert_refused(cli(database_url, *bad_bucket, "--keys-file", str(keys)), "Bad_Bucket")
    bad_endpoint = ["storage", "add", "--org", "acme", "--endpoint", "ftp://h", "--bucket", "b-1"]
    assert_refused(cli(database_url, *bad_endpoint, "--keys-file", str(keys)), "ftp://h")

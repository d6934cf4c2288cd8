"""`annobatch error-types list|add|edit`: the installation's catalogue of review error types, on
SQLite and on PostgreSQL."""

from __future__ import annotations

from operator_testing import assert_refused, cli, ok_json


def test_the_seeded_catalogue_is_listed_in_order(database_url: str) -> None:
    listed = ok_json(database_url, "error-types", "list")
    assert [e["errorTypeId"] for e in listed][:3] == ["missing-object", "extra-object", "wrong-class"]
    assert listed[0] == {"errorTypeId": "missing-object", "name": "Missing object", "pinAllowed": True,
                         "objectAllowed": False}  # fmt: skip
    table = cli(database_url, "error-types", "list")
    assert table.exit_code == 0 and "Wrong track id" in table.stdout


def test_add_puts_a_new_type_at_the_end_and_edit_changes_only_what_is_given(database_url: str) -> None:
    (made,) = ok_json(database_url, "error-types", "add", "occluded", "Occlusion wrong", "--object")
    assert made == {
        "errorTypeId": "occluded",
        "name": "Occlusion wrong",
        "pinAllowed": False,
        "objectAllowed": True,
    }
    assert ok_json(database_url, "error-types", "list")[-1]["errorTypeId"] == "occluded"
    (changed,) = ok_json(database_url, "error-types", "edit", "occluded", "--pin")
    assert changed == {
        "errorTypeId": "occluded",
        "name": "Occlusion wrong",
        "pinAllowed": True,
        "objectAllowed": True,
    }
    (renamed,) = ok_json(
        database_url, "error-types", "edit", "occluded", "--name", "Occlusion", "--no-object"
    )
    assert (renamed["name"], renamed["pinAllowed"], renamed["objectAllowed"]) == ("Occlusion", True, False)
    r = cli(database_url, "error-types", "add", "other2", "Another")
    assert r.exit_code == 0 and "added error type other2" in r.stderr


def test_bad_input_is_refused_naming_the_rule_and_changes_nothing(database_url: str) -> None:
    before = ok_json(database_url, "error-types", "list")
    assert_refused(
        cli(database_url, "error-types", "add", "other", "Again"), "error type other exists already"
    )
    assert_refused(cli(database_url, "error-types", "add", "Bad Id", "x"), "invalid error type id")
    assert_refused(cli(database_url, "error-types", "add", "fine", " "), "name is 1-200 characters")
    assert_refused(cli(database_url, "error-types", "edit", "nope", "--pin"), "error type nope not found")
    assert ok_json(database_url, "error-types", "list") == before

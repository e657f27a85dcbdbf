"""`inboxmine exclusions add|remove|list`: senders never shown as gems."""

import json

from typer.testing import CliRunner

from inboxmine.cli.main import app


def test_exclusions_are_added_listed_and_removed(db_url, settings):
    def cli(*args):
        return CliRunner().invoke(app, ["--db", db_url, *args])

    assert (
        cli("exclusions", "add", "Mail.Slack.com", "--reason", "tool notifications").exit_code == 0
    )
    listed = json.loads(cli("exclusions", "list", "--json").output)
    assert [(r["domain"], r["reason"]) for r in listed] == [("slack.com", "tool notifications")]
    assert json.loads(cli("exclusions", "--json").output) == listed
    assert cli("exclusions", "remove", "slack.com").exit_code == 0
    assert json.loads(cli("exclusions", "list", "--json").output) == []

    assert (
        cli("exclusions", "add", "Jane.Doe@Gmail.com").exit_code == 0
    )  # one person, not gmail.com
    assert [r["domain"] for r in json.loads(cli("exclusions", "--json").output)] == [
        "jane.doe@gmail.com"
    ]
    refused = cli("exclusions", "add", "not a domain")
    assert refused.exit_code == 1 and "is not a domain or an address" in refused.output

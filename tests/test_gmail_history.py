"""Gmail history and retry rules with plain inputs."""

from __future__ import annotations

from inboxmine.sources.gmail import (
    apply_label_changes,
    backoff_s,
    changes_from_history,
    decode_raw,
    is_retryable,
)


def added(mid, *labels):
    return {"messagesAdded": [{"message": {"id": mid, "labelIds": list(labels)}}]}


def deleted(mid):
    return {"messagesDeleted": [{"message": {"id": mid}}]}


def labels(kind, mid, *ids):
    return {kind: [{"message": {"id": mid}, "labelIds": list(ids)}]}


def test_no_records_is_an_empty_change_not_an_error():
    changes = changes_from_history([])

    assert changes.empty and changes.added == [] and changes.deleted == []


def test_new_mail_in_order_without_spam_and_trash():
    changes = changes_from_history(
        [added("a", "INBOX"), added("b", "SPAM"), added("c", "TRASH"), added("d", "SENT")]
    )

    assert changes.added == ["a", "d"]


def test_added_then_deleted_is_only_a_deletion():
    changes = changes_from_history([added("a", "INBOX"), deleted("a"), deleted("z")])

    assert changes.added == [] and changes.deleted == ["a", "z"]


def test_a_label_added_then_removed_cancels_out():
    changes = changes_from_history(
        [
            labels("labelsAdded", "m", "Label_1", "STARRED"),
            labels("labelsRemoved", "m", "Label_1", "UNREAD"),
        ]
    )

    assert changes.labels_added == {"m": {"STARRED"}}
    assert changes.labels_removed == {"m": {"UNREAD"}}


def test_label_changes_use_label_names_and_keep_the_order():
    names = {"Label_7": "Clients", "UNREAD": "UNREAD"}

    result = apply_label_changes(["INBOX", "UNREAD", "x"], {"Label_7"}, {"UNREAD"}, names)

    assert result == ["INBOX", "x", "Clients"]


def test_which_answers_are_retried_and_how_long_to_wait():
    assert is_retryable(429) and is_retryable(503) and is_retryable(403, "userRateLimitExceeded")
    assert not is_retryable(403, "insufficientPermissions") and not is_retryable(404)
    assert backoff_s(1, jitter=0) == 1 and backoff_s(4, jitter=0.5) == 8.5
    assert backoff_s(30, jitter=0) == 64  # capped
    assert backoff_s(1, retry_after="12") == 12


def test_raw_is_base64url_with_or_without_padding():
    assert decode_raw({"raw": "U3ViamVjdDogaGk"}) == b"Subject: hi"
    assert decode_raw({"raw": "U3ViamVjdDogaGk="}) == b"Subject: hi"
    assert decode_raw({}) == b""

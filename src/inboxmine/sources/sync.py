"""``inboxmine sync``: every configured account synced by its live source.

An account's ``kind`` is the name of a source in the registry
:data:`~inboxmine.sources.live.SOURCES`; this module looks it up there and
knows no source itself, so a new source is one module that registers
itself (see CONTRIBUTING.md, "Adding a mail source").
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine

from inboxmine.components import UnknownComponent, chosen_for
from inboxmine.config import AccountSettings, Settings
from inboxmine.sources.live import (
    SOURCES,
    LiveSource,
    ProgressHook,
    SyncError,
    SyncInterrupted,
    SyncResult,
)


def enabled_sources(settings: Settings) -> dict[str, LiveSource]:
    """The live sources by kind, in order, less those the settings'
    ``[components.sources]`` disable."""
    return {c.name: c.value for c in SOURCES.enabled(chosen_for(settings, "sources"))}


def source_for(settings: Settings, account: AccountSettings) -> LiveSource:
    """The live source that syncs ``account`` (by its ``kind``).

    Raises :class:`SyncError` naming the account when no source has that
    kind (with the nearest known one) or when the settings disable it.
    """
    try:
        enabled = enabled_sources(settings)
    except UnknownComponent as exc:  # a misspelt name under [components.sources]
        raise SyncError(str(exc)) from exc
    if account.kind in enabled:
        return enabled[account.kind]
    if account.kind in SOURCES:
        raise SyncError(
            f"account {account.name!r}: the {account.kind} source is disabled in the "
            f"settings (components.sources.{account.kind} = false): enable it, or remove "
            "the account"
        )
    raise SyncError(f"account {account.name!r}: {SOURCES.unknown_message(account.kind)}")


def check_accounts(settings: Settings, accounts: Sequence[AccountSettings]) -> None:
    """Raise :class:`SyncError` for the first account no source can sync."""
    for account in accounts:
        source_for(settings, account)


def sync_account(
    engine: Engine,
    settings: Settings,
    account: AccountSettings,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    interactive: bool = True,
) -> SyncResult:
    """Sync one configured account incrementally (the first time: fully)."""
    return source_for(settings, account).sync(
        engine,
        settings,
        account,
        triggered_by=triggered_by,
        progress=progress,
        interactive=interactive,
    )


def sync_accounts(
    engine: Engine,
    settings: Settings,
    accounts: Sequence[AccountSettings] | None = None,
    *,
    triggered_by: str = "cli",
    progress: ProgressHook | None = None,
    interactive: bool = True,
) -> list[SyncResult]:
    """Sync every account (default: ``settings.accounts``), each as its own
    ``ingest`` run. One account failing does not stop the others: its result
    carries the error (and its run is failed with the same message)."""
    results = []
    for account in settings.accounts if accounts is None else accounts:
        try:
            results.append(
                sync_account(
                    engine,
                    settings,
                    account,
                    triggered_by=triggered_by,
                    progress=progress,
                    interactive=interactive,
                )
            )
        except SyncInterrupted:
            raise
        except SyncError as exc:
            results.append(SyncResult(account=account.name, error=str(exc)))
        except Exception as exc:  # a bug or an odd server: name the account, go on
            results.append(
                SyncResult(
                    account=account.name,
                    error=f"{account.name}: sync failed: {exc.__class__.__name__}: {exc}",
                )
            )
    return results

"""Typed AI errors. Each message names what failed, why, and what to do.

Two families matter to callers:

* :class:`ProviderUnavailable` (and :class:`BudgetExhausted`): the provider
  cannot work at all - unreachable, wrong key, unknown model, budget spent.
  A stage run fails with the message.
* every other :class:`AIError` concerns one call (a bad answer, a timeout):
  the caller records it against the item and goes on.
"""

from __future__ import annotations


class AIError(Exception):
    """An AI call failed; ``str(exc)`` is meant for the user."""

    #: The raw text that came back, if any (kept for the audit log).
    response_raw: str | None = None
    attempts: int = 1


class ModelSpecError(AIError):
    """The ``provider:model`` spec cannot be used."""


class ProviderUnavailable(AIError):
    """The provider cannot be used at all (unreachable, unauthorised, model missing)."""


class BudgetExhausted(ProviderUnavailable):
    """The per-run budget of AI calls is spent."""


class AITimeout(AIError):
    """The provider did not answer in time, after the retries."""


class RateLimited(AIError):
    """The provider kept answering 429 / overloaded, after the retries."""


class ProviderError(AIError):
    """The provider answered with an error (5xx, or a 4xx about this request)."""


class InvalidAnswer(AIError):
    """The answer did not match the expected schema, even after one repair attempt."""

    def __init__(self, message: str, response_raw: str | None = None, attempts: int = 1):
        super().__init__(message)
        self.response_raw = response_raw
        self.attempts = attempts

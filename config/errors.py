"""Domain errors that services raise and every interface (API, portals, tasks) understands.

Services never raise HTTP errors; the API's exception handler and the portal views translate these.
"""

from django.core.exceptions import PermissionDenied
from django_fsm import TransitionNotAllowed


class InvalidTransition(TransitionNotAllowed):
    """The action is not allowed in the object's current state (API: 409 invalid_transition)."""


class CodedPermissionDenied(PermissionDenied):
    code = "permission_denied"
    default_detail = "You do not have permission to perform this action."

    def __init__(self, detail: str | None = None):
        self.detail = detail or self.default_detail
        super().__init__(self.detail)


class SupportBanned(CodedPermissionDenied):
    code = "support_banned"
    default_detail = "This account is banned from support after a refused or unpaid invoice."


class ConsentRequired(CodedPermissionDenied):
    code = "consent_required"
    default_detail = "This action needs the customer's consent, and the ticket has no grant in force for it."


class RateLimited(Exception):
    """Too many requests of one kind from one user or one client IP (SEC-24; API: 429 rate_limited).

    Raised by `config.ratelimit`; `retry_after` is the number of seconds until the exceeded window ends.
    """

    code = "rate_limited"

    def __init__(self, *, action: str, retry_after: int):
        self.action = action
        self.retry_after = retry_after
        super().__init__(f"Too many requests ({action}): try again in {retry_after} seconds.")

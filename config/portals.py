"""What every portal view shares: turning a service's domain error into a readable message.

Views call services and never decide; when a service says no, the person sees why instead of a 500.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django_fsm import TransitionNotAllowed

from config.errors import CodedPermissionDenied
from config.keyset import keyset_page
from config.replica import read_alias

PAGE_SIZE = 25


def permission_message(exc: CodedPermissionDenied) -> str:
    """What a person is told when a service refuses them for `exc.code`."""
    if exc.code == "support_banned":
        return _(
            "Your account is banned from support after a refused or unpaid invoice: no ticket can be "
            "opened, and only incidents still running can be written to. Your services are not affected."
        )
    if exc.code == "consent_required":
        return _("This action needs the customer's consent, and the ticket has no grant in force for it.")
    return _("You are not allowed to do this.")


def call_service(request, call, *, form=None):
    """Run `call()`; on a domain error show it (on the form's fields where they exist) and return None.

    Returns (True, result) on success and (False, None) otherwise.
    """
    try:
        return True, call()
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        elif form is not None:
            form.add_error(None, exc.messages)
        else:
            for text in exc.messages:
                messages.error(request, text)
    except TransitionNotAllowed:
        messages.error(
            request,
            _(
                "This is no longer possible: it was changed in the meantime. "
                "The page now shows its current state."
            ),
        )
    except CodedPermissionDenied as exc:
        messages.error(request, permission_message(exc))
    return False, None


def paginate(request, queryset, *, per_page: int = PAGE_SIZE):
    """One page of a list in the queryset's order, by keyset (no COUNT, no OFFSET: see config/keyset.py).

    A cursor that is not one gives the first page. The page is read on the replica when there is one
    (config/replica.py).
    """
    return keyset_page(request, queryset.using(read_alias(request)), per_page=per_page)

"""Every role check of the project: DRF permission classes and portal view mixins.

Ownership (a customer sees only its own account's objects) is not checked here but by the
scoped selectors, so that another account's object is a 404, never a 403.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import BasePermission

from accounts.models import Role

SUPPORT_ROLES = frozenset({Role.AGENT, Role.ADMIN})
FINANCE_ROLES = frozenset({Role.FINANCE, Role.ADMIN})
STAFF_ROLES = frozenset({Role.AGENT, Role.FINANCE, Role.ADMIN})


def _role(user) -> str | None:
    return getattr(user, "role", None) if user and user.is_authenticated else None


def is_customer(user) -> bool:
    return _role(user) == Role.CUSTOMER


def is_support(user) -> bool:
    """Support staff: the diagnosis queue and ticket actions."""
    return _role(user) in SUPPORT_ROLES


def is_finance(user) -> bool:
    """Money actions: payments, reinstatement, receivables."""
    return _role(user) in FINANCE_ROLES


def is_staff_member(user) -> bool:
    """Anyone working for the provider, whatever the department."""
    return _role(user) in STAFF_ROLES


def is_admin(user) -> bool:
    return _role(user) == Role.ADMIN


def _role_permission(
    name: str, check: Callable[[Any], bool], message: str | None = None
) -> type[BasePermission]:
    """A DRF permission class letting through the users `check` accepts; a refusal says `message`
    (DRF's own words without one)."""
    attributes: dict[str, Any] = {"has_permission": lambda self, request, view: bool(check(request.user))}
    if message is not None:
        attributes["message"] = message
    return type(name, (BasePermission,), attributes)


IsCustomer = _role_permission("IsCustomer", is_customer, "Only a customer user may do this.")
IsSupport = _role_permission("IsSupport", is_support, "Only support staff may do this.")
IsFinance = _role_permission("IsFinance", is_finance, "Only finance may do this.")
IsStaffMember = _role_permission("IsStaffMember", is_staff_member, "Only the provider's staff may do this.")
IsAdmin = _role_permission("IsAdmin", is_admin, "Only an administrator may do this.")
IsCustomerOrStaffMember = _role_permission(
    "IsCustomerOrStaffMember", lambda user: is_customer(user) or is_staff_member(user)
)
IsCustomerOrSupport = _role_permission(
    "IsCustomerOrSupport",
    lambda user: is_customer(user) or is_support(user),
    "Only the customer or support staff may do this.",
)
IsCustomerOrFinance = _role_permission(
    "IsCustomerOrFinance", lambda user: is_customer(user) or is_finance(user)
)


class RoleRequiredMixin(AccessMixin):
    """Portal views: anonymous users go to the login page, users of another role get a 403."""

    role_check = staticmethod(lambda user: False)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.role_check(request.user):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


class CustomerRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_customer)


class SupportRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_support)


class FinanceRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_finance)

"""The fields each state-machine transition writes, declared once beside it.

A transition changes its state field and the few fields it sets; the services that save it (`transition_save`)
and the sweeps that write a chunk of rows at once (`config.bulk.update_from_instances`) read that list here
instead of repeating it. tests/reliability/test_transition_writes.py holds each
declaration to what its transition really sets.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Model

Method = TypeVar("Method", bound=Callable[..., Any])

WRITES = "_writes"


def writes(*fields: str) -> Callable[[Method], Method]:
    """Declare the fields a transition sets besides its state field: `@writes("closed_at")` above `@transition`."""

    def declare(method: Method) -> Method:
        setattr(method, WRITES, fields)
        return method

    return declare


def written_by(transition: Callable[..., Any]) -> list[str]:
    """What `transition` changes: its state field, then the fields its `@writes` declares."""
    field = transition._django_fsm.field  # type: ignore[attr-defined]  # django-fsm's own record
    return [field if isinstance(field, str) else field.name, *getattr(transition, WRITES)]


def transition_save(instance: Model, transition: Callable[..., Any], **arguments: Any) -> None:
    """Move `instance` through `transition` (its model's method, `Ticket.claim`) and save the fields it declares,
    no others: a full save would write every column back as it was read, over any change made since."""
    transition(instance, **arguments)
    instance.save(update_fields=written_by(transition))

"""Field types and helpers shared by every API: inputs bounded, so no value can overflow a column."""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import serializers

MAX_ID = 2**63 - 1


def money_field(**kwargs) -> serializers.DecimalField:
    """A positive amount with at most two decimals, below a billion."""
    kwargs.setdefault("min_value", Decimal("0.01"))
    kwargs.setdefault("max_value", Decimal("999999999.99"))
    return serializers.DecimalField(max_digits=12, decimal_places=2, **kwargs)


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def text_field(max_length: int = 20000, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def related_or_none(instance, name: str):
    """A reverse one-to-one relation, or None where there is none (as DRF's get_attribute does)."""
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def with_other_fields(serializer, instance, data: dict) -> dict:
    """A hand-written representation `data`, plus DRF's own for any declared field it lacks (what a
    subclass adds), so that a subclass of a written-out serializer still shows all its fields."""
    for name, field in serializer.fields.items():
        if name not in data:
            attribute = field.get_attribute(instance)
            data[name] = None if attribute is None else field.to_representation(attribute)
    return data

"""Field types and helpers shared by every API: inputs bounded, so no value can overflow a column."""

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Manager, Model
from rest_framework import serializers
from rest_framework.fields import is_simple_callable
from rest_framework.relations import PKOnlyObject

from config.money import AMOUNT_INPUT_MAX, MONEY_DIGITS

MAX_ID = 2**63 - 1


def money_field(**kwargs) -> serializers.DecimalField:
    """A positive amount with at most two decimals, below a billion."""
    kwargs.setdefault("min_value", Decimal("0.01"))
    kwargs.setdefault("max_value", AMOUNT_INPUT_MAX)
    return serializers.DecimalField(**MONEY_DIGITS, **kwargs)


def id_field(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def optional_boolean(**kwargs) -> serializers.BooleanField:
    """true or false; absent (or null): None, for the caller to read as "either" (a filter) or "decide"."""
    return serializers.BooleanField(required=False, allow_null=True, default=None, **kwargs)


def text_field(max_length: int = 20000, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, **kwargs)


def valid_input(serializer_class: type[serializers.Serializer], data) -> dict:
    """`data` as `serializer_class` validates it; invalid, a 400 naming each field's errors."""
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def object_named(queryset, pk: int | None, *, field: str, error: str):
    """The object an input's id names within `queryset` (None for no id); an id naming none is a 400 on `field`."""
    if pk is None:
        return None
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise serializers.ValidationError({field: [error]})
    return found


class CompiledSerializer(serializers.Serializer):
    """A read-only output, declared once as DRF fields, and written out by `compile_representation`.

    The declared fields make the OpenAPI schema and are the one declaration of the shape; the first
    representation compiles them into one function per class (see there), which every later one calls.
    Method fields must not read `self.context`: they run on one instance shared by every call.
    """

    _compiled: Callable[[Any], dict] | None = None

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True  # an output: the schema says so
        return fields

    def to_representation(self, instance) -> dict:
        cls = type(self)
        compiled = cls.__dict__.get("_compiled")  # this class's own, not a parent's
        if compiled is None:
            compiled = cls._compiled = compile_representation(cls())
        return compiled(instance)


def compile_representation(serializer: serializers.Serializer) -> Callable[[Any], dict]:
    """What DRF's `Serializer.to_representation` does for `serializer`, with its lookups done once.

    DRF walks the declared fields for every object: a `get_attribute` through the field's source, a
    SkipField check, a None check and a `to_representation` per field; on an API list page that walk was a
    third of the time (docs/performance.md). Here each field's reader (its source path) and writer (its
    `to_representation`, or a nested serializer compiled the same way) are found once, and an object's
    representation is one loop over them. The same rules as DRF's: a None value (or a missing reverse
    one-to-one) is None, a related manager is iterated with `.all()`; tests/representation.py holds
    both equal for every shape of object.
    """
    steps = []
    for name, field in serializer.fields.items():
        if field.write_only:
            continue
        # Fields that read their value their own way (related fields: a primary key or `.all()`) keep it.
        own_reader = type(field).get_attribute is not serializers.Field.get_attribute
        read = field.get_attribute if own_reader else _reader(field.source_attrs)
        write = _list_writer(field) if isinstance(field, serializers.ListSerializer) else _writer(field)
        steps.append((name, read, write))

    def represent(instance) -> dict:
        data = {}
        for name, read, write in steps:
            value = read(instance)
            none = value is None or (isinstance(value, PKOnlyObject) and value.pk is None)
            data[name] = None if none else write(value)
        return data

    return represent


def _writer(field: serializers.Field) -> Callable[[Any], Any]:
    if isinstance(field, serializers.Serializer):
        return compile_representation(field)
    return field.to_representation


def _list_writer(field: serializers.ListSerializer) -> Callable[[Any], list]:
    child = field.child
    assert child is not None  # DRF's ListSerializer asserts it too, when it is built
    write_item = _writer(child)

    def write(value) -> list:
        return [write_item(item) for item in (value.all() if isinstance(value, Manager) else value)]

    return write


def _reader(attrs: list[str]) -> Callable[[Any], Any]:
    if not attrs:  # source="*": the object itself
        return lambda instance: instance

    def read(instance):
        try:
            for attr in attrs:
                # A mapping (a report's plain rows) is read by key, an object by attribute, as DRF's
                # get_attribute reads them. A model instance is asked first: the check against the
                # Mapping ABC was a tenth of an API list's representation.
                if isinstance(instance, Model) or not isinstance(instance, Mapping):
                    instance = getattr(instance, attr)
                else:
                    instance = instance[attr]
                if callable(instance) and is_simple_callable(instance):  # a method as source, as DRF
                    instance = instance()
        except ObjectDoesNotExist:  # a reverse one-to-one with no row, as DRF's get_attribute
            return None
        return instance

    return read

"""DRF's own representation of an object, to hold `config.serializers.compile_representation` equal to it."""

from django.db.models import Manager
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject


def generic(serializer, instance) -> dict:
    """DRF's own walk over the declared fields (`Serializer.to_representation`), nested serializers too.

    `serializer` is a serializer class or a bound serializer field; the compiled function is not used.
    """
    if isinstance(serializer, type):
        serializer = serializer()
    data = {}
    for name, field in serializer.fields.items():
        attribute = field.get_attribute(instance)
        check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        if check is None:
            data[name] = None
        elif isinstance(field, serializers.Serializer):
            data[name] = generic(field, attribute)
        elif isinstance(field, serializers.ListSerializer):
            items = attribute.all() if isinstance(attribute, Manager) else attribute
            data[name] = [generic(field.child, item) for item in items]
        else:
            data[name] = field.to_representation(attribute)
    return data

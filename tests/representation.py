"""DRF's own representation of an object, for the tests that check a hand-written `to_representation`."""

from rest_framework import serializers


def generic(serializer_class, instance) -> dict:
    """DRF's own walk over the declared fields, nested serializers included."""
    from tickets.api import TicketFeeOutput

    serializer = serializer_class()
    data = {}
    for name, field in serializer.fields.items():
        attribute = field.get_attribute(instance)
        if name == "diagnosis_fee":  # a method field in the schema: the fee's own serializer, or null
            data[name] = None if instance.fee_net is None else generic(TicketFeeOutput, instance)
        elif attribute is None:
            data[name] = None
        elif isinstance(field, serializers.Serializer):
            data[name] = generic(type(field), attribute)
        elif isinstance(field, serializers.ListSerializer) and isinstance(
            field.child, serializers.Serializer
        ):
            data[name] = [generic(type(field.child), item) for item in attribute.all()]
        else:
            data[name] = field.to_representation(attribute)
    if serializer_class is TicketFeeOutput:
        data["free_reason"] = data["free_reason"] or None  # the contract shows no reason as null
    return data

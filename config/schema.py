from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    """Names nested serializers after their view (`TicketCloseApi.Input` → `TicketCloseInput`).

    Each view declares its input as a nested `Input` class; without this they would all collide.
    """

    def get_serializer_name(self, serializer, direction):
        qualname = type(serializer).__qualname__
        if "." in qualname:
            return qualname.replace("Api.", "").replace(".", "")
        return super().get_serializer_name(serializer, direction)

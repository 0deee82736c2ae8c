"""The API's JSON parser: malformed input of any kind is a 400, never a 500."""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            # DRF turns ValueError into a 400 but not this: `[[[[...` nested deeper than Python's stack.
            raise ParseError("JSON parse error - nested too deeply.") from None

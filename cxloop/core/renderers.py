"""The API's JSON renderer: DRF's output, written by orjson (several times faster on big reports).

A metrics report can hold a few thousand groups; the standard library's encoder took longer
than the query behind it. Anything orjson does not know (Decimal, lazy strings, datetimes, which
DRF writes in its own way) goes through DRF's own encoder, so the output is the same.
"""

import orjson
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

_drf = JSONEncoder()
# JSON allows these two characters raw; JavaScript string literals did not, so DRF escapes them.
_LINE_SEPARATORS = ((b"\xe2\x80\xa8", b"\\u2028"), (b"\xe2\x80\xa9", b"\\u2029"))


class FastJSONRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if self.get_indent(accepted_media_type, renderer_context or {}):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=_drf.default, option=orjson.OPT_PASSTHROUGH_DATETIME)
        except orjson.JSONEncodeError:
            # An integer beyond 64 bits (feedback metadata is kept as sent): DRF's encoder writes it.
            return super().render(data, accepted_media_type, renderer_context)
        for raw, escaped in _LINE_SEPARATORS:
            if raw in content:
                content = content.replace(raw, escaped)
        return content

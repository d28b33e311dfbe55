"""Form posts whose text is not valid UTF-8 are refused with a message.

Browsers always send our UTF-8 pages' forms as UTF-8, so invalid bytes come
from a tool or a damaged request. Django would quietly turn them into "�"
and save that; instead the sender is told which field was unreadable, and
nothing is saved (what was typed is still in the browser).
"""

from urllib.parse import unquote_to_bytes

FORM_TYPE = "application/x-www-form-urlencoded"


def unreadable_fields(body):
    """Names of the fields of an urlencoded body whose value is not UTF-8."""
    bad = []
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            try:
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
            except UnicodeDecodeError:
                label = unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace")
                if label not in bad:
                    bad.append(label)
                break
    return bad


class InvalidUtf8Middleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.content_type == FORM_TYPE:
            bad = unreadable_fields(request.body)
            if bad:
                return self.refuse(bad)
        return self.get_response(request)

    @staticmethod
    def refuse(fields):
        from .faults import error_page

        return error_page("400.html", 400, unreadable_fields=fields)

"""Rich output for Phi-3 MLflow notebooks: display(obj) and the classes HTML, Markdown, JSON, Image.

An object shows as every representation it has: `_repr_mimebundle_`, or the IPython-style
`_repr_html_`, `_repr_markdown_`, `_repr_json_`, `_repr_png_` methods, and always `text/plain`
(its repr). IPython's own display objects work the same way when IPython is installed.
"""
import base64

_methods = {
    "text/html": "_repr_html_",
    "text/markdown": "_repr_markdown_",
    "application/json": "_repr_json_",
    "image/png": "_repr_png_",
    "image/jpeg": "_repr_jpeg_",
    "image/svg+xml": "_repr_svg_",
    "text/latex": "_repr_latex_",
}


def _encode(mime, value):
    if isinstance(value, (bytes, bytearray)) and mime in ("image/png", "image/jpeg"):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def mime_bundle(obj):
    data, metadata = {}, {}
    bundle = getattr(obj, "_repr_mimebundle_", None)
    if callable(bundle):
        found = bundle()
        if isinstance(found, tuple):
            found, metadata = found[0], dict(found[1] or {})
        for mime, value in (found or {}).items():
            data[mime] = _encode(mime, value)
    for mime, method in _methods.items():
        if mime in data:
            continue
        repr_method = getattr(obj, method, None)
        if not callable(repr_method) or isinstance(obj, type):
            continue
        value = repr_method()
        if isinstance(value, tuple):
            value, metadata[mime] = value
        if value is not None:
            data[mime] = _encode(mime, value)
    if "text/plain" not in data:
        data["text/plain"] = repr(obj)
    return data, metadata


class HTML:
    def __init__(self, data):
        self.data = data

    def _repr_html_(self):
        return self.data

    def __repr__(self):
        return "<HTML object>"


class Markdown:
    def __init__(self, data):
        self.data = data

    def _repr_markdown_(self):
        return self.data

    def __repr__(self):
        return "<Markdown object>"


class JSON:
    def __init__(self, data):
        self.data = data

    def _repr_json_(self):
        return self.data

    def __repr__(self):
        return "<JSON object>"


class Image:
    """A PNG from bytes or a file name."""

    def __init__(self, data=None, filename=None):
        if filename is not None:
            with open(filename, "rb") as f:
                data = f.read()
        self.data = data

    def _repr_png_(self):
        return self.data

    def __repr__(self):
        return "<Image object>"

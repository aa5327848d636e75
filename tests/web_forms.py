"""What a browser would post back from a page's form: every input, select and textarea with
its current value, so a test changes only what a person would change on the page."""

from html.parser import HTMLParser


class _Form(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, str | list[str]] = {}
        self._select: str | None = None
        self._multiple = False
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or ("name" not in a and tag != "option"):
            return
        if tag == "input":
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            elif kind not in ("submit", "button", "file"):
                self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select, self._first_option = a["name"], None
            self._multiple = "multiple" in a
            if self._multiple:
                self.values[self._select] = []
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._multiple:
                if "selected" in a:
                    self.values[self._select].append(value)
                return
            if self._first_option is None:  # a browser sends the first option by default
                self._first_option = value
                self.values.setdefault(self._select, value)
            if "selected" in a:
                self.values[self._select] = value
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[a["name"]] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "form":
            self.inside = False


def form_values(html: str, *, form_id: str) -> dict[str, str | list[str]]:
    """The values of the form with that id, as the page shows them."""
    parser = _Form(form_id)
    parser.feed(html)
    return parser.values

"""What a person reads on a page, and the codes that must never be among it (issue #16, item 6).

`visible_text` keeps the text a browser shows (and the aria-label, title, placeholder and alt
that assistive technology reads out), without tags, scripts or styles. `Vocabulary` holds the codes
the data behind the pages knows (slugs whose name differs, choice values whose label differs,
usernames of people with a full name); `offences` lists what a text shows wrongly.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.contrib.auth import get_user_model

READ_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
HIDDEN_TAGS = {"script", "style", "template", "noscript"}
# Text marked as something to type or copy (a username to sign in with, a reference, raw audit data).
COPIED_TAGS = {"code", "kbd", "samp"}
APPS = ("org", "notifications", "identity", "feedback", "innerloop", "outerloop", "governance")


class Text(str):
    """A piece of visible text; `choice` is true for the label of an <option>."""

    choice = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.option = 0
        self.chunks: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in READ_ATTRIBUTES:
            if values.get(name):
                self.chunks.append(str(values[name]))
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.chunks.append(str(values["value"]))
        if tag in HIDDEN_TAGS or tag in COPIED_TAGS:
            self.hidden += 1
        self.option += tag == "option"

    def handle_endtag(self, tag: str) -> None:
        if (tag in HIDDEN_TAGS or tag in COPIED_TAGS) and self.hidden:
            self.hidden -= 1
        if tag == "option" and self.option:
            self.option -= 1

    def handle_data(self, data: str) -> None:
        text = Text(" ".join(data.split()))
        if text and not self.hidden:
            text.choice = bool(self.option)
            self.chunks.append(text)


def visible_text(html: str) -> list[str]:
    """The page's text nodes and read-out attributes, whitespace collapsed, in document order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader.chunks


# A code with a separator (in_progress, contact-centre-leeds) is a code wherever it stands; a plain
# word (voicemail, admin) only where it stands alone as a value: a whole text node, or one part of
# "Phone: voicemail" / "Team · admin".
TOKEN = re.compile(r"[A-Za-z0-9]+(?:[_.-][A-Za-z0-9]+)+")
PARTS = re.compile(r"\s*(?:[:·→|,()/]|\s[-\u2013]\s)\s*")
# Addresses are copied, not read: a webhook's URL or a person's email may hold a slug or a username.
ADDRESSES = re.compile(r"\S+://\S+|\S+@\S+")
# Plain values that are also the words pages use for the thing itself ("Customer", "feedback").
ORDINARY_WORDS = frozenset({"customer", "feedback", "touchpoint", "fixed", "nothing", "obstacle"})


@dataclass
class Vocabulary:
    """Codes with what should be shown instead: {code: "what it is, and the word to show"}."""

    joined: dict[str, str] = field(default_factory=dict)
    plain: dict[str, str] = field(default_factory=dict)
    misspellings: set[str] = field(default_factory=set)

    def add(self, code: str, word: str, what: str, *, exact: bool = False) -> None:
        """`exact`: the code has no label of its own, so even its lower-case spelling is a code."""
        code, word = str(code), str(word)
        same = code == word if exact else code.lower() == word.lower()
        if not code or code.isdigit() or same or code in ORDINARY_WORDS:
            return
        target = self.joined if TOKEN.fullmatch(code) else self.plain
        target.setdefault(code, f"{what} (show “{word}”)")


def vocabulary() -> Vocabulary:
    """Every code the database knows whose words differ, read from the models and their rows."""
    words = Vocabulary()
    for model in apps.get_models():
        if model._meta.app_label not in APPS:
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if {"slug", "name"} <= names:
            for slug, name in model._default_manager.values_list("slug", "name"):
                words.add(slug, name, f"{model.__name__} slug")
        for model_field in model._meta.concrete_fields:
            for value, label in model_field.flatchoices:
                words.add(value, label, f"{model.__name__}.{model_field.name} value")
                label = str(label)
                if " " not in label and not label.endswith("e"):
                    words.misspellings.add(f"{label}d")
    segments = (
        apps.get_model("feedback", "Customer")._default_manager.values_list("segment", flat=True).distinct()
    )
    for segment in segments:
        if segment:
            words.add(segment, segment.replace("_", " ").capitalize(), "customer segment", exact=True)
    people = get_user_model().objects.exclude(first_name="", last_name="")
    for username, first, last in people.values_list("username", "first_name", "last_name"):
        words.add(username, f"{first} {last}".strip(), "username")
    words.misspellings |= {"Deferd", "Rejectd", "Approvd"}
    return words


# One noun followed by the plural: "1 mentions", "1 cases" (not "11 cases", "0.1 points", "1 status").
WRONG_PLURAL = re.compile(r"(?<![\d.,\u2212-])\b1 ([a-z]{3,}s(?<!ss)(?<!us)(?<!is))\b")
SCIENTIFIC = re.compile(r"(?<![\w.])\d+(?:\.\d+)?[eE][-+]\d+\b")
# Python's None as a whole value ("Owner: None"); "None yet." and a "None" choice are words.
NOTHING = re.compile(r"\b(null|undefined|NaN)\b")
INVALID = re.compile(r"\[invalid name\]")
# An amount printed as it is stored ("941744"): money shows its currency and numbers their grouping.
UNGROUPED = re.compile(r"(?<![\w.,+#:/-])\d{5,}(?![\w,]|\.\d)")
# A record's number after its name ("Feedback 19122", "Case 10450") is an identifier, not an amount:
# grouping it would make it unlike the number people quote and search for.
# Lower case too: "Select case 24901" (a checkbox's name), "customer 5" (the audit log's object).
RECORD_NUMBER = re.compile(
    r"\b(?:Feedback|Case|Caso|Invitation|Convite|Initiative|Iniciativa|Signal|Sinal|Import|Reply|Customer"
    r"|Cliente)\s+\d+",
    re.IGNORECASE,
)


def offences(chunks: list[str], words: Vocabulary) -> list[str]:
    """What the texts show that a person should not read, each with the text it was found in."""
    found: list[str] = []
    for chunk in chunks:
        text = ADDRESSES.sub(" ", chunk)
        for token in TOKEN.findall(text):
            if token in words.joined:
                found.append(f"{token!r}: {words.joined[token]} in {chunk!r}")
        for part in PARTS.split(text):
            if part in words.plain:
                found.append(f"{part!r}: {words.plain[part]} in {chunk!r}")
            if part == "None" and not getattr(chunk, "choice", False):
                found.append(f"'None': an empty value shown as a word in {chunk!r}")
        for pattern, what in (
            (WRONG_PLURAL, "a plural after 1"),
            (SCIENTIFIC, "a number in scientific notation"),
            (NOTHING, "an empty value shown as a word"),
            (INVALID, "a filter without a label"),
            (UNGROUPED, "a number without grouping or currency"),
        ):
            checked = RECORD_NUMBER.sub(" ", chunk) if pattern is UNGROUPED else chunk
            found += [f"{match.group(0)!r}: {what} in {chunk!r}" for match in pattern.finditer(checked)]
        for word in re.findall(r"\b[A-Z][a-z]+d\b", chunk):
            if word in words.misspellings:
                found.append(f"{word!r}: a misspelt label in {chunk!r}")
    return found

"""What identifies a customer in a raw copy (an import file, a webhook body): their identifiers, and
their comments as a whole.

A raw copy is not linked to the customer row: it is the text as it arrived. A part of it is the
customer's when it holds one of their identifiers (external id, email, phone) or one of their
comments in full. The name alone is not enough: two customers may share it, and erasing one must not
erase the other's rows.
"""

from collections.abc import Iterable
from dataclasses import dataclass

# An identifier this short may be part of anything ("42" in a date): it must fill the whole cell.
CONTAINED_MIN = 6
# A comment this short ("ok", "great") is not the customer's own words: it matches nothing.
COMMENT_MIN = 20


@dataclass(frozen=True)
class Needles:
    identifiers: tuple[str, ...]
    comments: tuple[str, ...]

    @classmethod
    def build(cls, *, identifiers: Iterable[str], comments: Iterable[str]) -> "Needles":
        return cls(
            identifiers=tuple(sorted({i.strip().lower() for i in identifiers if i and i.strip()})),
            comments=tuple(sorted({c.strip() for c in comments if len(c.strip()) >= COMMENT_MIN})),
        )

    def __bool__(self) -> bool:
        return bool(self.identifiers or self.comments)

    def in_cell(self, cell: str) -> bool:
        """A cell (or any one string) that is, or holds, something of the customer's."""
        text = cell.strip()
        lowered = text.lower()
        for identifier in self.identifiers:
            if lowered == identifier or (len(identifier) >= CONTAINED_MIN and identifier in lowered):
                return True
        return any(comment in text for comment in self.comments)

    def in_text(self, text: str) -> bool:
        """A longer text (a raw body) holding an identifier or a comment anywhere."""
        lowered = text.lower()
        return any(len(i) >= CONTAINED_MIN and i in lowered for i in self.identifiers) or any(
            comment in text for comment in self.comments
        )

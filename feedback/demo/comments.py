"""Compose demo comments from the phrase book, in the voice of the channel and the mood of the score."""

import random

from . import phrases
from .vocabulary import ITEMS, STORES

BRAND_HANDLE = "@NorthgateHome"
# Moods, from worst to best; the first two are the detractor side.
NEGATIVE_MOODS = frozenset({"severe", "negative"})
POSITIVE_MOODS = frozenset({"positive", "glowing"})


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _about(theme: str | None, voice: str) -> tuple[str, ...]:
    """The phrases for what went wrong, in a voice: negative and neutral feedback always has a theme."""
    if theme is None:
        raise ValueError("Only positive feedback goes without a theme.")
    return phrases.THEMES[theme][voice]


class _Fill(dict):
    """Placeholder values drawn only when a phrase asks for them, so unused ones cost nothing."""

    def __init__(self, *, writer: "CommentWriter", team: str) -> None:
        super().__init__()
        self.writer = writer
        self.team = team

    def __missing__(self, key: str) -> str:
        rng = self.writer.rng
        if key == "name":
            value = self.writer.staff_name(team=self.team)
        elif key == "item":
            value = rng.choice(ITEMS)
        elif key == "days":
            value = str(rng.randint(2, 12))
        elif key == "weeks":
            value = str(rng.randint(2, 10))
        elif key == "minutes":
            value = str(rng.choice((15, 20, 25, 30, 35, 40, 45, 50, 60, 75)))
        elif key == "amount":
            value = f"£{rng.randint(4, 180)}.{rng.choice(('00', '49', '50', '95', '99'))}"
        elif key == "store":
            value = rng.choice(STORES)
        else:
            raise KeyError(key)
        self[key] = value
        return value


class CommentWriter:
    """Writes one comment at a time; every choice comes from the shared seeded generator."""

    def __init__(self, *, rng: random.Random, first_names: dict[str, tuple[str, ...]]) -> None:
        self.rng = rng
        # A few people on each team earn most of the praise, as in real shout-out data.
        self._names = {
            team: (names, [1 / (rank + 1) for rank in range(len(names))])
            for team, names in first_names.items()
            if names
        }

    def staff_name(self, *, team: str) -> str:
        names, weights = self._names[team]
        return self.rng.choices(names, weights=weights)[0]

    def write(
        self,
        *,
        voice: str,
        mood: str,
        theme: str | None,
        touchpoint: str,
        team: str,
        staffed: bool,
        store: str | None = None,
    ) -> str:
        """A comment for one piece of feedback."""
        fill = _Fill(writer=self, team=team)
        if store:
            fill["store"] = store
        if voice == "note":
            text = self._note(mood=mood, theme=theme, touchpoint=touchpoint, team=team)
        elif voice == "employee":
            text = self._employee(mood=mood, theme=theme, team=team)
        elif voice == "social":
            text = self._social(mood=mood, theme=theme, touchpoint=touchpoint)
        elif voice == "email":
            greeting = self.rng.choice(phrases.EMAIL_GREETINGS)
            sign_off = self.rng.choice(phrases.EMAIL_SIGN_OFFS)
            body = self._customer(mood=mood, theme=theme, touchpoint=touchpoint, staffed=staffed, team=team)
            text = "\n\n".join(part for part in (greeting, body, sign_off) if part)
        else:
            text = self._customer(mood=mood, theme=theme, touchpoint=touchpoint, staffed=staffed, team=team)
        return text.format_map(fill)

    # --- voices -------------------------------------------------------------------------------------

    def _customer(self, *, mood: str, theme: str | None, touchpoint: str, staffed: bool, team: str) -> str:
        rng = self.rng
        opener = rng.choice(phrases.OPENERS[mood])
        closer = rng.choice(phrases.CLOSERS[mood])
        if mood in NEGATIVE_MOODS:
            return _join(opener, _cap(rng.choice(_about(theme, "customer"))) + ".", closer)
        if mood == "neutral":
            return _join(opener, rng.choice(_about(theme, "customer")) + ".", closer)
        praise = _cap(rng.choice(phrases.PRAISE[touchpoint])) + "."
        shout_out = ""
        # Promoters name the person who served them, if anyone did.
        if staffed and team in self._names and rng.random() < 0.45:
            shout_out = _cap(rng.choice(phrases.SHOUT_OUTS)) + "."
        return _join(opener, praise, shout_out, closer)

    def _note(self, *, mood: str, theme: str | None, touchpoint: str, team: str) -> str:
        rng = self.rng
        if mood in NEGATIVE_MOODS:
            core = rng.choice(_about(theme, "note"))
            where = (
                "Customer called" if touchpoint == "contact-centre-phone" else "Customer at the {store} store"
            )
            return f"{where}: {core}. {rng.choice(phrases.NOTE_ACTIONS['negative'])}"
        if mood == "neutral" or team not in self._names:
            topic = rng.choice(phrases.NOTE_NEUTRAL_TOPICS)
            return f"Customer asked about {topic}. {rng.choice(phrases.NOTE_ACTIONS['neutral'])}"
        praise = rng.choice(phrases.NOTE_PRAISE)
        return f"Customer {praise}. {rng.choice(phrases.NOTE_ACTIONS['positive'])}"

    def _employee(self, *, mood: str, theme: str | None, team: str) -> str:
        rng = self.rng
        if mood in NEGATIVE_MOODS:
            obstacle = _cap(rng.choice(_about(theme, "staff"))) + "."
            return _join(obstacle, rng.choice(phrases.EMPLOYEE_TAILS))
        if mood == "neutral" or team not in self._names:
            return rng.choice(phrases.EMPLOYEE_SUGGESTIONS)
        return rng.choice(phrases.EMPLOYEE_KUDOS)

    def _social(self, *, mood: str, theme: str | None, touchpoint: str) -> str:
        rng = self.rng
        if mood in NEGATIVE_MOODS:
            body, tails = rng.choice(_about(theme, "customer")), phrases.SOCIAL_TAILS["negative"]
        elif mood == "neutral":
            body, tails = (
                "not bad but " + rng.choice(_about(theme, "customer")),
                phrases.SOCIAL_TAILS["neutral"],
            )
        else:
            body, tails = rng.choice(phrases.PRAISE[touchpoint]), phrases.SOCIAL_TAILS["positive"]
        return _join(BRAND_HANDLE, body, rng.choice(tails))

"""Reference data of the demo: channels, touchpoints, journey stages and the issue taxonomy."""

from dataclasses import dataclass

from feedback.models import Category, JourneyStage, Source, SourceKind, Touchpoint


@dataclass(frozen=True)
class SourceSpec:
    """An inbound channel, how much of the volume it carries, and which touchpoints it hears about."""

    slug: str
    name: str
    kind: str
    scale: str | None
    share: float
    prefix: str
    # How comments are written: a customer, a staff note, a social post, an email or an employee.
    voice: str
    touchpoints: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class TouchpointSpec:
    """A touchpoint, its owner, its rhythm of the day and week, and what goes wrong there."""

    slug: str
    name: str
    team: str
    stage: str
    rhythm: str
    # Tilts scores: above 0 customers are happier here than average, below 0 less happy.
    mood: float
    # A named person serves the customer here, so praise can name them.
    staffed: bool
    themes: tuple[tuple[str, int], ...]


def _weights(text: str, *, same: bool = False) -> tuple[tuple[str, int], ...]:
    """Parse "slug:weight slug:weight" into pairs (every weight 1 when `same`)."""
    pairs = (item.split(":") for item in text.split())
    return tuple((slug, 1 if same else int(weight)) for slug, weight in pairs)


JOURNEY_STAGES = (
    ("discover", "Discover"),
    ("buy", "Buy"),
    ("receive", "Receive"),
    ("use", "Use"),
    ("get-help", "Get help"),
    ("return", "Return"),
)

# parent slug, parent name, ((child slug, child name), ...)
CATEGORIES = (
    (
        "delivery",
        "Delivery",
        (
            ("late-delivery", "Late delivery"),
            ("damaged-parcel", "Damaged parcel"),
            ("missed-delivery-slot", "Missed delivery slot"),
            ("wrong-item", "Wrong item sent"),
        ),
    ),
    (
        "staff",
        "Staff",
        (
            ("unhelpful-staff", "Unhelpful staff"),
            ("rude-staff", "Rude staff"),
            ("staff-knowledge", "Poor product knowledge"),
        ),
    ),
    (
        "product",
        "Product",
        (
            ("product-quality", "Quality"),
            ("out-of-stock", "Out of stock"),
            ("description-mismatch", "Not as described"),
        ),
    ),
    (
        "billing",
        "Billing",
        (
            ("wrong-charge", "Wrong charge"),
            ("payment-declined", "Payment declined"),
            ("promo-code", "Promotion not applied"),
        ),
    ),
    (
        "returns",
        "Returns",
        (
            ("refund-delay", "Refund delay"),
            ("returns-hassle", "Difficult return"),
            ("return-label", "Missing return label"),
        ),
    ),
    (
        "website",
        "Website",
        (
            ("checkout-error", "Checkout error"),
            ("slow-site", "Slow or unavailable site"),
            ("app-crash", "App crash"),
            ("login-problem", "Login problem"),
        ),
    ),
    (
        "service",
        "Service",
        (
            ("long-wait", "Long wait to reach us"),
            ("long-queue", "Long queue in store"),
            ("unresolved-issue", "Issue not resolved"),
            ("no-callback", "Promised callback missed"),
        ),
    ),
)

# A table reads best one row to a line, so the formatter leaves these two alone.
# fmt: off
TOUCHPOINTS = (
    # slug, name, owning team, journey stage, rhythm, mood, staffed, what goes wrong ("theme:weight ...")
    TouchpointSpec("store-checkout", "Store checkout", "store-service", "buy", "store", 0.25, True,
        _weights("long-queue:5 unhelpful-staff:2 wrong-charge:2 payment-declined:1 promo-code:2")),
    TouchpointSpec("shop-floor", "Shop floor", "store-service", "discover", "store", 0.2, True,
        _weights("out-of-stock:4 staff-knowledge:3 unhelpful-staff:2 product-quality:1 "
                 "description-mismatch:1")),
    TouchpointSpec("click-and-collect", "Click & collect", "click-collect", "receive", "store", 0.05, True,
        _weights("long-queue:3 wrong-item:2 damaged-parcel:1 unhelpful-staff:1")),
    TouchpointSpec("website-browse", "Website browsing", "web-shop", "discover", "online", 0.0, False,
        _weights("slow-site:3 description-mismatch:2 out-of-stock:3 login-problem:1")),
    TouchpointSpec("website-checkout", "Website checkout", "web-shop", "buy", "online", 0.05, False,
        _weights("checkout-error:4 promo-code:3 payment-declined:2 slow-site:1 login-problem:1")),
    TouchpointSpec("app", "Mobile app", "mobile-app", "buy", "online", -0.1, False,
        _weights("app-crash:4 login-problem:2 checkout-error:2 slow-site:1")),
    TouchpointSpec("delivery", "Home delivery", "home-delivery", "receive", "delivery", -0.35, True,
        _weights("late-delivery:5 damaged-parcel:3 missed-delivery-slot:3 wrong-item:2")),
    TouchpointSpec("contact-centre-phone", "Contact centre phone", "contact-centre-leeds", "get-help",
        "office", -0.2, True,
        _weights("long-wait:5 unresolved-issue:3 late-delivery:2 refund-delay:2 wrong-charge:1 "
                 "unhelpful-staff:1 no-callback:2")),
    TouchpointSpec("live-chat", "Live chat", "contact-centre-lisbon", "get-help", "extended", 0.0, True,
        _weights("unresolved-issue:3 long-wait:1 late-delivery:2 refund-delay:1 checkout-error:1 "
                 "staff-knowledge:1")),
    TouchpointSpec("email-support", "Email support", "social-care", "get-help", "online", -0.35, True,
        _weights("no-callback:3 unresolved-issue:3 late-delivery:2 refund-delay:2 wrong-charge:1")),
    TouchpointSpec("social-media", "Social media", "social-care", "get-help", "online", -0.45, True,
        _weights("late-delivery:3 long-wait:2 product-quality:2 checkout-error:1 rude-staff:1 "
                 "damaged-parcel:1")),
    TouchpointSpec("product-aftercare", "Product aftercare", "aftercare", "use", "online", -0.1, True,
        _weights("product-quality:5 description-mismatch:2 unresolved-issue:1 damaged-parcel:1")),
    TouchpointSpec("returns-desk", "Store returns desk", "returns", "return", "store", 0.0, True,
        _weights("refund-delay:3 returns-hassle:2 unhelpful-staff:2 long-queue:2")),
    TouchpointSpec("online-returns", "Online returns", "returns", "return", "online", -0.15, False,
        _weights("return-label:3 refund-delay:4 returns-hassle:2")),
    TouchpointSpec("account-desk", "Business account desk", "business-accounts", "get-help", "office",
        0.5, True,
        _weights("wrong-charge:3 late-delivery:2 unresolved-issue:2 no-callback:1")),
)

_EVERY_CUSTOMER_TOUCHPOINT = (
    "store-checkout:14 shop-floor:6 click-and-collect:5 website-browse:4 website-checkout:12 app:8 "
    "delivery:14 contact-centre-phone:10 live-chat:5 email-support:3 product-aftercare:5 returns-desk:4 "
    "online-returns:4 account-desk:2"
)

SOURCES = (
    # slug, name, kind, scale, share of the volume, external id prefix, voice, touchpoints ("slug:weight ...")
    SourceSpec("nps-survey", "Transactional NPS survey", SourceKind.SURVEY, "nps", 0.34, "TNPS", "customer",
        _weights(_EVERY_CUSTOMER_TOUCHPOINT)),
    SourceSpec("csat-post-purchase", "Post-purchase CSAT survey", SourceKind.SURVEY, "csat", 0.14, "CSAT",
        "customer",
        _weights("store-checkout:5 website-checkout:5 app:3 click-and-collect:2")),
    SourceSpec("ces-survey", "Customer effort survey", SourceKind.SURVEY, "ces", 0.07, "CES", "customer",
        _weights("contact-centre-phone:5 live-chat:3 email-support:2 online-returns:2 returns-desk:1")),
    SourceSpec("call-centre-notes", "Call centre notes", SourceKind.CALL_CENTRE, None, 0.09, "CALL", "note",
        _weights("contact-centre-phone:1")),
    SourceSpec("returns-kiosk", "Returns desk kiosk", SourceKind.RETURNS, "csat", 0.05, "RET", "customer",
        _weights("returns-desk:3 online-returns:2")),
    SourceSpec("review-site", "Public review site", SourceKind.REVIEW_SITE, "csat", 0.08, "REV", "customer",
        _weights("delivery:3 product-aftercare:3 website-checkout:1 store-checkout:1 "
                 "contact-centre-phone:1")),
    SourceSpec("social-listening", "Social media listening", SourceKind.SOCIAL, None, 0.06, "SOC", "social",
        _weights("social-media:1")),
    SourceSpec("store-notes", "In-store feedback notes", SourceKind.STORE, None, 0.05, "STORE", "note",
        _weights("store-checkout:3 shop-floor:3 click-and-collect:1 returns-desk:1")),
    SourceSpec("employee-voice", "Employee voice", SourceKind.EMPLOYEE, None, 0.03, "EMP", "employee",
        _weights(_EVERY_CUSTOMER_TOUCHPOINT, same=True)),
    SourceSpec("email-inbox", "Customer email inbox", SourceKind.EMAIL, None, 0.05, "MAIL", "email",
        _weights("email-support:1")),
    SourceSpec("web-widget", "Website feedback widget", SourceKind.OTHER, "csat", 0.04, "WEB", "customer",
        _weights("website-browse:2 website-checkout:2 app:1")),
)
# fmt: on


@dataclass(frozen=True)
class ReferenceIds:
    """Database ids of the reference rows, by slug."""

    sources: dict[str, int]
    touchpoints: dict[str, int]
    stages: dict[str, int]
    categories: dict[str, int]


def reference_create(*, team_ids: dict[str, int]) -> ReferenceIds:
    """Create sources, journey stages, touchpoints and the two-level taxonomy."""
    sources = Source.objects.bulk_create(
        Source(slug=spec.slug, name=spec.name, kind=spec.kind) for spec in SOURCES
    )
    stages = JourneyStage.objects.bulk_create(
        JourneyStage(slug=slug, name=name, position=position)
        for position, (slug, name) in enumerate(JOURNEY_STAGES, start=1)
    )
    touchpoints = Touchpoint.objects.bulk_create(
        Touchpoint(slug=spec.slug, name=spec.name, owning_team_id=team_ids[spec.team]) for spec in TOUCHPOINTS
    )
    parents = Category.objects.bulk_create(Category(slug=slug, name=name) for slug, name, _ in CATEGORIES)
    children = Category.objects.bulk_create(
        Category(slug=slug, name=name, parent=parent)
        for parent, (_, _, kids) in zip(parents, CATEGORIES, strict=True)
        for slug, name in kids
    )
    return ReferenceIds(
        sources={source.slug: source.pk for source in sources},
        touchpoints={touchpoint.slug: touchpoint.pk for touchpoint in touchpoints},
        stages={stage.slug: stage.pk for stage in stages},
        categories={category.slug: category.pk for category in [*parents, *children]},
    )

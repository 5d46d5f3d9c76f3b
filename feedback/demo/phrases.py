"""Our own phrase book for demo comments, by theme (a taxonomy child) and by who is writing.

Each theme has clauses in three voices: `customer` (first person, no capital, no full stop, so it can
stand alone or follow "Mostly fine, although"), `note` (what staff jot down about a customer) and
`staff` (an obstacle an employee raises). Placeholders: {item} {days} {weeks} {minutes} {amount}
{store} {name}.
"""

THEMES: dict[str, dict[str, tuple[str, ...]]] = {
    "late-delivery": {
        "customer": (
            "my order arrived {days} days after the promised date",
            "the parcel turned up {days} days late and nobody told me why",
            "the delivery date kept moving and I took a day off work for nothing",
            "the tracking said out for delivery three days running",
            "my {item} was due on Saturday and came the following Thursday",
        ),
        "note": (
            "chasing a {item} order now {days} days past the delivery date",
            "parcel {days} days overdue, tracking not updated since the depot scan",
        ),
        "staff": (
            "the courier cut-off moved earlier, so next-day orders keep missing the van",
            "the depot is short of drivers and we have no way to warn customers before their slot",
            "we can't see live tracking, so all we can tell customers is to wait another day",
        ),
    },
    "damaged-parcel": {
        "customer": (
            "the box was crushed and the {item} inside was damaged",
            "my {item} arrived with a cracked panel",
            "the parcel was soaking wet and half of it was ruined",
            "the packaging was so thin that the {item} got scratched on the way",
        ),
        "note": ("reported a damaged {item}, photos received, replacement requested",),
        "staff": (
            "large items go out in single-wall boxes that don't survive the trunk route",
            "there is no quick way to send a replacement for a damaged delivery without a new order",
        ),
    },
    "missed-delivery-slot": {
        "customer": (
            "I waited in all day and the driver never came",
            "the driver left a card saying nobody was home, but I was in all day",
            "the two-hour slot turned into a whole day of waiting",
            "they came outside the slot I booked and took the {item} back to the depot",
        ),
        "note": ("driver missed the booked slot for the {item}, rebooked for the next free day",),
        "staff": ("the slot booking screen offers slots the routes can't cover",),
    },
    "wrong-item": {
        "customer": (
            "I ordered a {item} and received something completely different",
            "the wrong colour was sent and now I have to wait all over again",
            "half of my order was missing and the other half wasn't mine",
        ),
        "note": ("wrong item delivered instead of the {item}, collection booked",),
        "staff": ("pick labels for similar products look identical, so mix-ups keep happening",),
    },
    "unhelpful-staff": {
        "customer": (
            "the person I spoke to didn't seem interested in helping",
            "I was passed from one person to another and nobody took ownership",
            "I asked for help and was told it wasn't their department",
            "nobody could be bothered to check the stockroom for me",
        ),
        "note": ("felt the previous advisor didn't listen to the problem",),
        "staff": ("we're so short on the floor that customers wait ages for anyone to help them",),
    },
    "rude-staff": {
        "customer": (
            "the person I dealt with was rude and dismissive",
            "I was spoken to like I was an inconvenience",
            "the reply I got was sarcastic when I asked a simple question",
        ),
        "note": ("complaint about the attitude of an advisor on a previous contact",),
        "staff": ("call-length targets push people to rush customers off the phone",),
    },
    "staff-knowledge": {
        "customer": (
            "nobody could answer basic questions about the {item}",
            "the advice I was given about the {item} turned out to be wrong",
            "staff didn't know whether the {item} came in other sizes",
        ),
        "note": ("was given the wrong dimensions for the {item} last time",),
        "staff": ("we get no product training on new ranges before they land in store",),
    },
    "product-quality": {
        "customer": (
            "the {item} broke after {weeks} weeks",
            "the stitching on the {item} came apart almost straight away",
            "the {item} feels much cheaper than the price suggests",
            "the finish on the {item} is already peeling",
        ),
        "note": ("the {item} failed after {weeks} weeks, warranty claim opened",),
        "staff": ("we keep seeing the same fault on the {item} and it is still on sale",),
    },
    "out-of-stock": {
        "customer": (
            "the {item} showed as in stock online but the shelf was empty",
            "everything I came in for was out of stock",
            "the {item} has been out of stock for weeks with no restock date",
        ),
        "note": ("asked for a restock date for the {item}, none available",),
        "staff": ("stock counts on the website don't match what is actually in the stockroom",),
    },
    "description-mismatch": {
        "customer": (
            "the {item} looks nothing like the photos",
            "the dimensions on the website were wrong and the {item} doesn't fit",
            "the colour is completely different from the product page",
        ),
        "note": ("says the {item} doesn't match the website description",),
        "staff": ("product photos come from the supplier and don't show the real colour",),
    },
    "wrong-charge": {
        "customer": (
            "I was charged twice for the same order",
            "I was charged {amount} more than the price on the shelf",
            "a delivery charge was added even though I qualified for free delivery",
        ),
        "note": ("double charge of {amount} on the card statement, refund raised",),
        "staff": ("shelf labels aren't updated when prices change, so the till charges more",),
    },
    "payment-declined": {
        "customer": (
            "my card was declined even though there was money in the account",
            "the payment kept failing and I had to use a different card",
        ),
        "note": ("card declined twice at payment, bank says no attempt reached them",),
        "staff": ("the card terminals on the back tills drop their connection several times a day",),
    },
    "promo-code": {
        "customer": (
            "the discount code was rejected at checkout",
            "the offer in your email wasn't applied to my order",
            "the multi-buy deal didn't come off at the till",
        ),
        "note": ("promotion not applied, {amount} refunded as goodwill",),
        "staff": ("promotions go live on the website before the tills are updated",),
    },
    "refund-delay": {
        "customer": (
            "I'm still waiting for my refund {weeks} weeks after returning the {item}",
            "the refund was promised within five days and it has now been {days}",
            "I returned the {item} and the money still hasn't come back",
        ),
        "note": ("chasing a refund of {amount}, return received {days} days ago",),
        "staff": ("returns sit in the warehouse for days before anyone books them in, so refunds stall",),
    },
    "returns-hassle": {
        "customer": (
            "returning the {item} was far harder than buying it",
            "I had to fill in the same form three times to return one item",
            "the returns desk wouldn't take the {item} back without the original box",
        ),
        "note": ("struggling to arrange a return for a large {item}",),
        "staff": ("the returns system needs a manager override for anything over {amount}",),
    },
    "return-label": {
        "customer": (
            "the returns label never arrived by email",
            "the return label link just gave me an error",
            "I couldn't print a label and there was no QR code option",
        ),
        "note": ("return label email not received, resent by hand",),
        "staff": ("labels for large items have to be requested from the carrier by hand",),
    },
    "checkout-error": {
        "customer": (
            "the checkout crashed at the payment step",
            "I got an error at checkout and couldn't tell whether I'd been charged",
            "my basket emptied itself when I tried to pay",
            "the place order button did nothing at all",
        ),
        "note": ("could not complete checkout online, error at payment, order taken by phone",),
        "staff": ("customers ring us because checkout errors out after the address step",),
    },
    "slow-site": {
        "customer": (
            "the website was painfully slow",
            "pages kept timing out",
            "search took ages to load anything",
        ),
        "note": ("website unavailable earlier, wanted to order the {item} by phone",),
        "staff": ("product pages load so slowly on the store tablets that we give up showing customers",),
    },
    "app-crash": {
        "customer": (
            "the app crashes every time I open my basket",
            "the app froze and lost my order",
            "the app logged me out and crashed when I tried to pay",
        ),
        "note": ("app crashing at the basket, order placed by phone instead",),
        "staff": ("the app crashes on older phones and we have nowhere to report it",),
    },
    "login-problem": {
        "customer": (
            "I couldn't log in to my account",
            "the password reset email never arrived",
            "it kept telling me my account doesn't exist",
        ),
        "note": ("locked out of the account, password reset not arriving",),
        "staff": ("we can't unlock customer accounts ourselves, it needs a ticket to IT",),
    },
    "long-wait": {
        "customer": (
            "I was on hold for {minutes} minutes",
            "it took {minutes} minutes to get through to anyone",
            "the chat said I was thirtieth in the queue",
        ),
        "note": ("unhappy about a {minutes} minute wait before the call was answered",),
        "staff": ("the phone queue triples on Monday mornings and the rota doesn't allow for it",),
    },
    "long-queue": {
        "customer": (
            "the queue was huge and only one till was open",
            "I queued for {minutes} minutes to pay",
            "the queue went right out of the door",
        ),
        "note": ("long queue at the tills, customer left the {item} behind",),
        "staff": ("we only have two people on the tills at the weekend peak",),
    },
    "unresolved-issue": {
        "customer": (
            "I've contacted you three times and the problem still isn't fixed",
            "I was told someone would sort it out and nothing happened",
            "every time I get in touch I have to explain everything again",
        ),
        "note": ("third contact about the same problem, still unresolved",),
        "staff": ("we can't see notes from the other contact centre, so customers repeat themselves",),
    },
    "no-callback": {
        "customer": (
            "I was promised a call back that never came",
            "nobody replied to my email for a week",
            "I was told a manager would ring me and nobody did",
        ),
        "note": ("promised callback from last week not made, customer upset",),
        "staff": ("callback requests land in a shared inbox that nobody owns",),
    },
}

# What customers praise at each touchpoint (same shape as the customer clauses above).
PRAISE: dict[str, tuple[str, ...]] = {
    "store-checkout": (
        "checkout was quick and easy",
        "the tills were well staffed and fast",
        "paying was a breeze",
    ),
    "shop-floor": (
        "the store looked great and everything was easy to find",
        "I got really helpful advice on the {item}",
        "the {item} was in stock and ready to take home",
    ),
    "click-and-collect": ("my order was ready as soon as I arrived", "collection took two minutes"),
    "website-browse": (
        "the website is easy to find things on",
        "the product pages told me everything I needed",
    ),
    "website-checkout": ("ordering online was quick and simple", "checkout was smooth and the offer applied"),
    "app": ("the app makes ordering really easy", "the app remembered my basket and paying took seconds"),
    "delivery": (
        "the {item} arrived on time and the driver was careful",
        "delivery came early in the slot and they took the packaging away",
        "the tracking was spot on",
    ),
    "contact-centre-phone": (
        "my call was answered quickly and sorted first time",
        "the phone team fixed it in one call",
    ),
    "live-chat": ("the chat was quick and the answer was clear", "chat sorted my problem in minutes"),
    "email-support": ("I got a helpful reply to my email the same day",),
    "social-media": ("you replied to my message within the hour", "your social team sorted it straight away"),
    "product-aftercare": ("the {item} is excellent quality", "the warranty repair was quick and painless"),
    "returns-desk": (
        "the return took two minutes and the refund was instant",
        "returning the {item} was easy",
    ),
    "online-returns": ("the online return was simple and the refund came quickly",),
    "account-desk": (
        "our account manager is always on top of things",
        "invoices and deliveries are always right",
    ),
}

SHOUT_OUTS = (
    "{name} was brilliant",
    "special thanks to {name}",
    "{name} went above and beyond",
    "please pass my thanks to {name}",
    "{name} was so patient with me",
    "{name} deserves a pay rise",
    "{name} couldn't have been more helpful",
)

OPENERS = {
    "severe": ("Absolutely awful.", "Terrible service.", "Shocking.", "Never again.", ""),
    "negative": ("Disappointing.", "Not great.", "Frustrating experience.", "Poor.", "", "", ""),
    "neutral": ("Mostly fine, although", "Not bad, but", "It was okay, except that", "Fine overall, though"),
    "positive": ("Great experience.", "Very happy.", "Lovely service.", "", "", ""),
    "glowing": ("Absolutely fantastic!", "Brilliant!", "Couldn't fault it.", "Five stars.", ""),
}

CLOSERS = {
    "severe": (
        "I won't be shopping with you again.",
        "I want a manager to call me.",
        "I'll be telling everyone I know.",
        "This is the second time it has happened.",
    ),
    "negative": ("Please sort this out.", "Not what I expect from you.", "Nobody could explain why.", "", ""),
    "neutral": ("", "", "Otherwise fine.", "Would still shop here."),
    "positive": ("Thank you!", "Will shop again.", "", ""),
    "glowing": ("Will definitely be back!", "Thank you so much!", "Keep it up!", "Best service in ages."),
}

NOTE_ACTIONS = {
    "negative": (
        "Apologised and raised a case.",
        "Escalated to the team lead.",
        "Offered a goodwill voucher.",
        "Promised an update within 48 hours.",
        "Customer not satisfied with the answer.",
    ),
    "neutral": ("Information given.", "Customer happy with the answer.", "No further action."),
    "positive": ("No further action.", "Passed the thanks on.", "Logged as a compliment."),
}
NOTE_NEUTRAL_TOPICS = (
    "opening hours over the holidays",
    "delivery options for a {item}",
    "the price match policy",
    "gift card balances",
    "the assembly service for a {item}",
    "whether the {item} comes in other colours",
)
NOTE_PRAISE = (
    "called to say thank you to {name} for sorting the {item} order",
    "very happy with how quickly {name} resolved the problem",
    "pleased with the {item} and the service from {name}",
)

EMPLOYEE_KUDOS = (
    "Shout-out to {name} for covering the late shift at short notice.",
    "Big thanks to {name} for sorting a tricky {item} refund for a regular customer.",
    "{name} has been brilliant training the new starters this month.",
    "Credit to {name} for staying calm with a very upset customer today.",
)
EMPLOYEE_SUGGESTIONS = (
    "It would help to check stock at other stores from the handhelds.",
    "Could the weekly complaint themes be shared in the huddle?",
    "A script for the new returns policy would save a lot of back and forth.",
    "Customers keep asking about the {item}; a one-page guide would help.",
)
EMPLOYEE_TAILS = ("", "", "This happens every week.", "Can we get this fixed?", "Raised it twice already.")

SOCIAL_TAILS = {
    "negative": ("", "#notimpressed", "#customerservice", "Sort it out.", "Any update?"),
    "neutral": ("", "", "#justsaying"),
    "positive": ("", "#happycustomer", "Thanks!", "Top marks."),
}
EMAIL_GREETINGS = ("Hello,", "Hi,", "Dear Sir or Madam,", "Hello there,", "")
EMAIL_SIGN_OFFS = ("Regards", "Kind regards", "Thanks", "Many thanks", "")

"""Word lists of our own for companies, products and places (no third-party data sets).

People's names are shared with the organisation's demo: cxloop.core.demo.FIRST_NAMES and LAST_NAMES.
"""

from cxloop.core.demo import listed

# Company names for business customers: a place or surname, a trade, a legal form.
COMPANY_STEMS = listed(
    "Ashby, Beacon, Brookfield, Calder, Dovecote, Elmwood, Fernhill, Greystone, Harbour, Hollins, Kestrel, "
    "Lark, Linden, Marsh, Northfield, Oakridge, Pennine, Quayside, Redbrook, Saltaire, Thornbury, Wharfe, "
    "Willow, Yarrow"
)
COMPANY_TRADES = listed(
    "Joinery, Interiors, Lettings, Property Services, Hotels, Dental Care, Cafés, Builders, Design Studio, "
    "Holiday Homes, Nurseries, Student Living, Care Homes, Facilities"
)
COMPANY_FORMS = ("Ltd", "Ltd", "Ltd", "LLP", "& Co", "Group")
PUBLIC_BODIES = (
    "{stem} Borough Council",
    "{stem} Primary School",
    "{stem} Housing Association",
    "{stem} Community Trust",
)

CONSUMER_EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example", "post.example")

# Ofcom's ranges reserved for drama, so no generated number reaches a real person.
PHONE_PREFIXES_MOBILE = ("+447700900",)
PHONE_PREFIXES_LANDLINE = listed(
    "+441134960, +441614960, +441174960, +442079460, +442890180, +441314960, +442920180"
)

ITEMS = listed(
    "sofa, corner sofa, armchair, oak dining table, dining chairs, bed frame, mattress, wardrobe, "
    "chest of drawers, bookcase, desk, office chair, floor lamp, table lamp, rug, curtains, bedding set, "
    "duvet, pillows, towels, kettle, toaster, coffee machine, saucepan set, dinner set, glassware, mirror, "
    "garden bench, parasol, storage boxes, cushions, throw, shoe rack, bathroom cabinet"
)

STORES = listed(
    "Leeds, York, Manchester, Sheffield, Bristol, Cardiff, Glasgow, Edinburgh, Belfast, Dublin, Croydon, "
    "Reading, Norwich, Nottingham, Brighton, Exeter"
)

SOCIAL_NETWORKS = ("x", "instagram", "facebook", "tiktok", "threads")

"""Word lists of our own for names, companies, products and places (no third-party data sets)."""


def _listed(text: str) -> tuple[str, ...]:
    """Split a comma-separated word list."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


FIRST_NAMES = _listed(
    "Aaliyah, Adam, Adaeze, Aidan, Aisha, Alice, Amara, Amelia, Amir, Ana, Andrew, Anjali, Ben, Beth, "
    "Bilal, Callum, Carmen, Catherine, Chen, Chloe, Ciara, Connor, Daisy, Dara, David, Dev, Eilidh, Elena, "
    "Eleanor, Ellie, Emeka, Emma, Erin, Ewan, Fatima, Finn, Freya, Gabriel, Georgia, Hamza, Hannah, Harry, "
    "Imogen, Isla, Ivan, Jack, Jade, James, Jamal, Joanna, João, Jonah, Kasia, Kate, Kwame, Laura, Leah, "
    "Leon, Liam, Lucy, Maja, Marcus, Maria, Maryam, Mateo, Mei, Mia, Michael, Nadia, Naomi, Nathan, Niamh, "
    "Noah, Olivia, Omar, Oscar, Patrick, Piotr, Rachel, Rhys, Rosa, Ruby, Ryan, Saanvi, Sadia, Samuel, "
    "Sara, Seán, Simone, Sofia, Sophie, Tariq, Theo, Tobi, Una, Viktor, Yasmin, Yusuf, Zainab, Zoë"
)
LAST_NAMES = _listed(
    "Adeyemi, Ahmed, Ali, Allen, Andrade, Baker, Banerjee, Bell, Bennett, Brady, Brennan, Campbell, "
    "Carter, Chowdhury, Clarke, Coleman, Costa, Cullen, Davies, Doherty, Duarte, Edwards, Evans, Ferreira, "
    "Fitzgerald, Fraser, Gallagher, Green, Gupta, Hall, Harris, Hughes, Hussain, Iqbal, Jackson, James, "
    "Jones, Kaur, Kelly, Kennedy, Khan, King, Kowalski, Lewis, Lopes, Lynch, MacDonald, Malik, Martin, "
    "McCarthy, Mitchell, Morris, Murphy, Mwangi, Nowak, Nguyen, O'Brien, O'Neill, Okafor, Oliveira, Owen, "
    "Parker, Patel, Phillips, Quinn, Rahman, Reid, Roberts, Robinson, Santos, Scott, Shah, Silva, Singh, "
    "Smith, Stewart, Taylor, Thomas, Thompson, Turner, Van Dijk, Walker, Walsh, Ward, Watson, White, "
    "Williams, Wilson, Wiśniewski, Wood, Wright, Young"
)

# Company names for business customers: a place or surname, a trade, a legal form.
COMPANY_STEMS = _listed(
    "Ashby, Beacon, Brookfield, Calder, Dovecote, Elmwood, Fernhill, Greystone, Harbour, Hollins, Kestrel, "
    "Lark, Linden, Marsh, Northfield, Oakridge, Pennine, Quayside, Redbrook, Saltaire, Thornbury, Wharfe, "
    "Willow, Yarrow"
)
COMPANY_TRADES = _listed(
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
PHONE_PREFIXES_LANDLINE = _listed(
    "+441134960, +441614960, +441174960, +442079460, +442890180, +441314960, +442920180"
)

ITEMS = _listed(
    "sofa, corner sofa, armchair, oak dining table, dining chairs, bed frame, mattress, wardrobe, "
    "chest of drawers, bookcase, desk, office chair, floor lamp, table lamp, rug, curtains, bedding set, "
    "duvet, pillows, towels, kettle, toaster, coffee machine, saucepan set, dinner set, glassware, mirror, "
    "garden bench, parasol, storage boxes, cushions, throw, shoe rack, bathroom cabinet"
)

STORES = _listed(
    "Leeds, York, Manchester, Sheffield, Bristol, Cardiff, Glasgow, Edinburgh, Belfast, Dublin, Croydon, "
    "Reading, Norwich, Nottingham, Brighton, Exeter"
)

SOCIAL_NETWORKS = ("x", "instagram", "facebook", "tiktok", "threads")

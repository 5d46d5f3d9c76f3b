"""What every app's part of the demo shares: the logins, people's names and one seeded generator per part.

`manage.py seed_demo` (governance, the top of the import order) calls each app's demo in turn:
cxloop.org.demo, feedback.demo, innerloop.demo, outerloop.demo, governance.demo. The pieces more
than one of them needs live here, in the lowest app, so that none of them imports upward.
"""

import random

# Published on purpose: the demo logins exist to be tried (and the command refuses production settings).
DEMO_PASSWORD = "cxloop-demo"  # noqa: S105
# The five logins; everyone else gets an unusable password.
# `agente` is an agent of the Lisbon contact centre, whose interface is in Portuguese.
DEMO_USERNAMES = ("agent", "lead", "manager", "committee", "admin", "agente")


def demo_rng(*, seed: int, part: str) -> random.Random:
    """The generator of one part of the demo: each part draws from its own, seeded from `seed`, so a
    change to one part leaves the others as they were."""
    return random.Random(f"{seed}:{part}")  # noqa: S311 (demo data, reproducible on purpose)


def listed(text: str) -> tuple[str, ...]:
    """Split a comma-separated word list."""
    return tuple(item.strip() for item in text.split(",") if item.strip())


# Our own word lists (no third-party data sets): staff (cxloop.org.demo) and customers (feedback.demo).
FIRST_NAMES = listed(
    "Aaliyah, Adam, Adaeze, Aidan, Aisha, Alice, Amara, Amelia, Amir, Ana, Andrew, Anjali, Ben, Beth, "
    "Bilal, Callum, Carmen, Catherine, Chen, Chloe, Ciara, Connor, Daisy, Dara, David, Dev, Eilidh, Elena, "
    "Eleanor, Ellie, Emeka, Emma, Erin, Ewan, Fatima, Finn, Freya, Gabriel, Georgia, Hamza, Hannah, Harry, "
    "Imogen, Isla, Ivan, Jack, Jade, James, Jamal, Joanna, João, Jonah, Kasia, Kate, Kwame, Laura, Leah, "
    "Leon, Liam, Lucy, Maja, Marcus, Maria, Maryam, Mateo, Mei, Mia, Michael, Nadia, Naomi, Nathan, Niamh, "
    "Noah, Olivia, Omar, Oscar, Patrick, Piotr, Rachel, Rhys, Rosa, Ruby, Ryan, Saanvi, Sadia, Samuel, "
    "Sara, Seán, Simone, Sofia, Sophie, Tariq, Theo, Tobi, Una, Viktor, Yasmin, Yusuf, Zainab, Zoë"
)
LAST_NAMES = listed(
    "Adeyemi, Ahmed, Ali, Allen, Andrade, Baker, Banerjee, Bell, Bennett, Brady, Brennan, Campbell, "
    "Carter, Chowdhury, Clarke, Coleman, Costa, Cullen, Davies, Doherty, Duarte, Edwards, Evans, Ferreira, "
    "Fitzgerald, Fraser, Gallagher, Green, Gupta, Hall, Harris, Hughes, Hussain, Iqbal, Jackson, James, "
    "Jones, Kaur, Kelly, Kennedy, Khan, King, Kowalski, Lewis, Lopes, Lynch, MacDonald, Malik, Martin, "
    "McCarthy, Mitchell, Morris, Murphy, Mwangi, Nowak, Nguyen, O'Brien, O'Neill, Okafor, Oliveira, Owen, "
    "Parker, Patel, Phillips, Quinn, Rahman, Reid, Roberts, Robinson, Santos, Scott, Shah, Silva, Singh, "
    "Smith, Stewart, Taylor, Thomas, Thompson, Turner, Van Dijk, Walker, Walsh, Ward, Watson, White, "
    "Williams, Wilson, Wiśniewski, Wood, Wright, Young"
)

"""The business data agents act on: scheduling, CRM, tickets, orders, cards.

Every table belongs to one business (an agent's company, e.g. "dental"), so one
database serves many agents without their records mixing. Importing this package
registers these tables on `callwright.store.models.Base`. The domains that moved to
`callwright.domains` (pharmacy, campaigns) keep their tables in their own models.py,
registered when that domain is imported: the store imports no domain.
"""

from callwright.store.business import (  # noqa: F401
    businesses,
    cards,
    crm,
    orders,
    scheduling,
    tickets,
)

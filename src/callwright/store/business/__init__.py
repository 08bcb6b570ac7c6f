"""The business data agents act on: scheduling, CRM, tickets, orders, pharmacy, cards.

Every table belongs to one business (an agent's company, e.g. "dental"), so one
database serves many agents without their records mixing. Importing this package
registers all of their tables on `callwright.store.models.Base`.
"""

from callwright.store.business import (  # noqa: F401
    businesses,
    cards,
    crm,
    orders,
    pharmacy,
    scheduling,
    tickets,
)

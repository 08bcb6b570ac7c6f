"""Business domains that live in one folder each: tables, actions, API routes, CLI commands
and demo data together (see ARCHITECTURE.md, "Layout"): campaigns/, pharmacy/. The older
domains still live across `store/business/`, `actions/`, `api/` and `cli_*`; they move here
when next changed.

The store imports no domain, so a domain's tables are on `Base.metadata` once its models.py
is imported: the actions registry and the seeders (`callwright.actions.backends`,
`callwright.actions.seed`), the API and the command line all import them."""

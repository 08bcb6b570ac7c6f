"""Business domains that live in one folder each: tables, actions, API routes, CLI commands
and demo data together (see ARCHITECTURE.md, "Layout"). The older domains still live across
`store/business/`, `actions/`, `api/` and `cli_*`; they move here when next changed."""

"""A pharmacy: patients' prescriptions and the refill requests made on them (by phone, over
the API or from the command line).

- models.py: the tables (prescriptions, refill_requests)
- actions.py: the `pharmacy.*` actions agents call (prescriptions, refills, refill status)
- routes.py, cli.py: the API (/api/businesses/{slug}/prescriptions, /refill-requests) and
  `callwright prescriptions`
- seed.py: the `pharmacy` section of an agent's demo data
"""

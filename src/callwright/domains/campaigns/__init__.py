"""Outbound campaigns: an agent calling a contact list inside each contact's calling window,
with attempts, pacing, a concurrency limit, a do-not-call list and an outcome per attempt.

- models.py: the tables (campaigns, contacts, attempts, do-not-call)
- settings.py: a campaign's settings, validated (YAML file, API body)
- calling_window.py: when a contact may be called, in the contact's own time zone
- book.py: the campaign records: create, contacts, claims, results, progress
- contacts_csv.py: contact lists in and outcomes out as CSV
- scheduler.py: the loop inside `callwright serve` that starts the calls
- routes.py, cli.py: the API and the command line
- seed.py: the demo campaigns on the example agents' demo data
"""

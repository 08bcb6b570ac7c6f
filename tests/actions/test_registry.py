"""Which built-in actions change the business's records, and which only look things up."""

from callwright.actions.backends import built_in_registry


def test_look_ups_change_nothing_and_everything_else_may():
    registry = built_in_registry()
    for read in ("crm.find_person", "scheduling.find_slots", "orders.status",
                 "pharmacy.prescription", "cards.verify_identity"):
        assert not registry.changes_records(read), read
    for write in ("scheduling.book", "scheduling.cancel", "cards.dispute_transaction",
                  "cards.lock_card", "orders.start_return", "pharmacy.request_refill",
                  "crm.save_lead", "tickets.create"):
        assert registry.changes_records(write), write
    assert registry.changes_records("no.such_action")  # an unknown action may

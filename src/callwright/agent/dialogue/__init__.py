"""The dialogue: the conversation of one call, task flows, slots, verification, hand-offs."""

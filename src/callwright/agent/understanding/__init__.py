"""Reading the caller's words: intents, entities (dates, names, numbers ...), escalation cues."""

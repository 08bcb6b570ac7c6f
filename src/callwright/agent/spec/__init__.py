"""The agent file: its schema (agent, tasks, hand-offs), loading with line-numbered errors."""

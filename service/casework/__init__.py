"""Case rules: assignment, escalation, officer commands, messages to officers and reporters."""

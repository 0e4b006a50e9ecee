"""SMS in and out: the inbox for aggregator callbacks, the outbound rows and their delivery, and
the gateways (one provider client each). Outbound text is neutral and fits one GSM-7 segment."""

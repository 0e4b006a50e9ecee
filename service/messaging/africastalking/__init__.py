"""Africa's Talking, the one provider client: its callback wire format and its SMS API. Another
aggregator is another package beside this one."""

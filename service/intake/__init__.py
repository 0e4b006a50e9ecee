"""Reporter intake: the USSD shell, sealing and storing reports, status checks, caller pseudonyms.
A reporter is told "received" only after the report is committed."""

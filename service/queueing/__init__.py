"""Jobs: the queue port (rq or in process), the transactional outbox and its relay. Jobs carry
ids only, by dotted name, JSON-serialised."""

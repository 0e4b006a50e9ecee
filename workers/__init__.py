"""rq jobs: thin entry points that take ids, call plain functions, and are safe to run twice."""

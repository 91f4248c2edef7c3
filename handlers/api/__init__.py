"""The public API (/api/v1): tokens, tickets, members, statistics, export, and its OpenAPI."""

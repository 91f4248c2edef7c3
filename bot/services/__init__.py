"""Use cases: each one a transaction that writes a change, its event and its notifications."""

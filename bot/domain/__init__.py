"""The pure domain: ticket lifecycle, permissions, deadlines and the chat grammar (no I/O)."""

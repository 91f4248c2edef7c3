"""Delivery of the outbox: render each notice, send it within Telegram's limits, record it."""

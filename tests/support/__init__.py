"""Helpers the tests share: fake clock, databases, Telegram-shaped updates."""

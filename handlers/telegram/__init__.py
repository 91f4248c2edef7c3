"""Telegram inbound adapter: commands, button presses and uploads, on python-telegram-bot."""

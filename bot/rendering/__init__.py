"""What the bot says: tickets, lists, notices and errors rendered as Telegram HTML with buttons."""

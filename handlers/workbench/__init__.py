"""The workbench (Telegram Mini App): its page at /app/ and its JSON under /api/app/."""

"""Messages as python-telegram-bot objects (inline keyboards, reply prompts)."""

from __future__ import annotations

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, WebAppInfo

from bot.rendering.messages import Button, Message


def _button(button: Button) -> InlineKeyboardButton:
    if button.web_app:
        return InlineKeyboardButton(button.text, web_app=WebAppInfo(button.web_app))
    if button.url:
        return InlineKeyboardButton(button.text, url=button.url)
    return InlineKeyboardButton(button.text, callback_data=button.callback_data)


def inline_markup(message: Message) -> InlineKeyboardMarkup | None:
    if not message.buttons:
        return None
    return InlineKeyboardMarkup([[_button(button) for button in row] for row in message.buttons])


def reply_markup(message: Message) -> InlineKeyboardMarkup | ForceReply | None:
    if message.buttons:
        return inline_markup(message)
    if message.force_reply:
        return ForceReply(selective=True, input_field_placeholder=message.placeholder)
    return None

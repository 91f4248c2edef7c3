"""/app: the workbench. In private chat a one-time sign-in link for a browser and a web_app
button; in the group a URL button (Telegram allows web_app buttons only in private chats)."""

from __future__ import annotations

from urllib.parse import urlencode

from bot.domain.commands import OpenApp
from bot.rendering.messages import Button, Message
from handlers.telegram.turn import Turn

APP_PATH = "/app/"


def workbench_url(public_url: str | None) -> str | None:
    return f"{public_url}{APP_PATH}" if public_url else None


async def open_app(turn: Turn, command: OpenApp) -> None:
    services = turn.app.services
    public_url = services.directory.settings.app.public_url
    if turn.private:
        await turn.settle_language()
    else:
        await turn.session()
    texts = turn.texts
    page = workbench_url(public_url)
    if page is None or public_url is None:
        await turn.say("wb.reply.no_url")
        return
    if not turn.private:
        button = Button(str(texts("wb.button.open")), url=page)
        await turn.reply(Message(texts("wb.reply.group"), buttons=((button,),)))
        return
    await turn.session()  # only a team's member gets a link
    token = await services.workbench.issue_link(turn.person.id)
    link = f"{public_url}/app/signin?" + urlencode({"u": turn.person.id, "t": token})
    button = Button(str(texts("wb.button.open")), web_app=page)
    await turn.reply(Message(texts("wb.reply.link", url=link), buttons=((button,),)))

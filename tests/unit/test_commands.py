"""The chat grammar of PRODUCT.md: every accepted form and every malformed one, as tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import pytest

from bot.domain.commands import (
    COMMAND_NAMES,
    MAX_TEXT,
    AddNote,
    Appeal,
    ByOrder,
    Cancel,
    CollectEvidence,
    Command,
    CreateTicket,
    Export,
    ExportFormat,
    Help,
    ListCreated,
    ListMine,
    ListPending,
    MessageText,
    RecordOutcome,
    Reopen,
    ReplyTo,
    SetLanguage,
    ShowTicket,
    Start,
    StartGuidedTicket,
    Stats,
    TextMention,
    Transfer,
    UserRef,
    Verdict,
    parse_command,
)
from bot.domain.errors import UsageError
from bot.domain.model import Language, Outcome

KINDS: Final = ("review", "shipping", "waybill", "stockout", "aftersale", "memo", "task", "collab")
BOT: Final = "ticketbot_demo_bot"
KNOWN_KINDS: Final = "#review #shipping #waybill #stockout #aftersale #memo #task #collab"

BROKEN_CUP: Final = "客户说收到的杯子碎了，要求补发"
BO_WANG_ID: Final = 7001
BO_WANG: Final = UserRef(user_id=BO_WANG_ID, name="Bo Wang")
BO: Final = UserRef(username="bo_aftersale")
CUSTOMER_ID: Final = 9001
CUSTOMER_MESSAGE: Final = "买家：杯子碎了，照片在这里"


def msg(text: str, *, reply_to: ReplyTo | None = None) -> MessageText:
    return MessageText(text, reply_to=reply_to)


def mentioning(text: str, name: str = "Bo Wang", user_id: int = BO_WANG_ID) -> MessageText:
    """`text` with a text mention (a user without a username) spanning `name`."""
    start = text.index(name)
    mention = TextMention(start=start, end=start + len(name), user_id=user_id, name=name)
    return MessageText(text, text_mentions=(mention,))


def replying(text: str, *, to: str | None = CUSTOMER_MESSAGE, bot: bool = False) -> MessageText:
    """`text` sent as a reply to a message of a person (or of a bot)."""
    return MessageText(text, reply_to=ReplyTo(text=to, sender_id=CUSTOMER_ID, sender_is_bot=bot))


def parse(message: MessageText, *, bot_username: str | None = BOT) -> Command:
    return parse_command(message, kinds=KINDS, bot_username=bot_username)


def usage_error(message: MessageText) -> UsageError:
    with pytest.raises(UsageError) as caught:
        parse(message)
    return caught.value


# --- every accepted form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        # /ticket <order_id> [#kind] [@assignee] <description>
        pytest.param(
            msg("/ticket A123 杯子碎了"),
            CreateTicket("A123", None, None, "杯子碎了"),
            id="ticket-order-and-description",
        ),
        pytest.param(
            msg(f"/ticket A123 #aftersale {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", None, BROKEN_CUP),
            id="ticket-with-kind",
        ),
        pytest.param(
            msg(f"/ticket A123 @bo_aftersale {BROKEN_CUP}"),
            CreateTicket("A123", None, BO, BROKEN_CUP),
            id="ticket-with-assignee",
        ),
        pytest.param(
            msg(f"/ticket A123 #aftersale @bo_aftersale {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", BO, BROKEN_CUP),
            id="ticket-kind-then-assignee",
        ),
        pytest.param(
            msg(f"/ticket A123 @bo_aftersale #aftersale {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", BO, BROKEN_CUP),
            id="ticket-assignee-then-kind",
        ),
        pytest.param(
            msg("/ticket A123 #AfterSale broken cup"),
            CreateTicket("A123", "aftersale", None, "broken cup"),
            id="ticket-kind-is-case-insensitive",
        ),
        pytest.param(
            msg("/ticket 202405170001 #shipping 今天必须发出"),
            CreateTicket("202405170001", "shipping", None, "今天必须发出"),
            id="ticket-numeric-order-id",
        ),
        pytest.param(
            msg("/ticket SO-2024_17 #memo note"),
            CreateTicket("SO-2024_17", "memo", None, "note"),
            id="ticket-order-id-with-dash-and-underscore",
        ),
        pytest.param(
            msg("/ticket A123 #collab 第一行\n第二行\n\n  第四行，缩进保留"),
            CreateTicket("A123", "collab", None, "第一行\n第二行\n\n  第四行，缩进保留"),
            id="ticket-multi-line-description-kept-as-typed",
        ),
        pytest.param(
            msg("/ticket A123\n#aftersale\n杯子碎了"),
            CreateTicket("A123", "aftersale", None, "杯子碎了"),
            id="ticket-arguments-on-separate-lines",
        ),
        pytest.param(
            msg("/ticket A123 客户 @bo_aftersale 说 #aftersale"),
            CreateTicket("A123", None, None, "客户 @bo_aftersale 说 #aftersale"),
            id="ticket-mention-and-hashtag-inside-description-are-text",
        ),
        pytest.param(
            mentioning(f"/ticket A123 #aftersale Bo Wang {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", BO_WANG, BROKEN_CUP),
            id="ticket-text-mention-with-a-space-as-assignee",
        ),
        pytest.param(
            mentioning(f"/ticket A123 Bo Wang #aftersale {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", BO_WANG, BROKEN_CUP),
            id="ticket-text-mention-before-kind",
        ),
        pytest.param(
            msg(f"/ticket@{BOT} A123 #aftersale {BROKEN_CUP}"),
            CreateTicket("A123", "aftersale", None, BROKEN_CUP),
            id="ticket-addressed-to-this-bot",
        ),
        pytest.param(
            msg("/ticket@TicketBot_Demo_Bot A123 x"),
            CreateTicket("A123", None, None, "x"),
            id="ticket-bot-name-is-case-insensitive",
        ),
        pytest.param(
            msg("/TICKET A123 x"),
            CreateTicket("A123", None, None, "x"),
            id="ticket-command-word-is-case-insensitive",
        ),
        pytest.param(
            replying("/ticket A123 #aftersale"),
            CreateTicket("A123", "aftersale", None, CUSTOMER_MESSAGE),
            id="ticket-reply-text-becomes-the-description",
        ),
        pytest.param(
            replying("/ticket A123 #aftersale @bo_aftersale"),
            CreateTicket("A123", "aftersale", BO, CUSTOMER_MESSAGE),
            id="ticket-reply-with-kind-and-assignee",
        ),
        pytest.param(
            replying("/ticket A123", to="  第一行\n第二行  "),
            CreateTicket("A123", None, None, "第一行\n第二行"),
            id="ticket-reply-text-stripped-newlines-kept",
        ),
        pytest.param(
            replying("/ticket A123 要求补发"),
            CreateTicket("A123", None, None, "要求补发"),
            id="ticket-typed-description-wins-over-reply",
        ),
        pytest.param(
            replying("/ticket A123 #aftersale", bot=True),
            CreateTicket("A123", "aftersale", None, CUSTOMER_MESSAGE),
            id="ticket-reply-to-a-bot-gives-no-assignee",
        ),
        pytest.param(msg("/ticket"), StartGuidedTicket(), id="ticket-alone-starts-guided"),
        pytest.param(
            msg(f"/ticket@{BOT}"), StartGuidedTicket(), id="ticket-addressed-alone-starts-guided"
        ),
        pytest.param(
            replying("/ticket"),
            StartGuidedTicket(description=CUSTOMER_MESSAGE),
            id="ticket-reply-without-arguments-starts-guided-with-text",
        ),
        pytest.param(
            replying("/ticket", to=None),
            StartGuidedTicket(description=None),
            id="ticket-reply-to-a-message-without-text-starts-guided",
        ),
        # /show <t>, with every form of ticket reference
        pytest.param(msg("/show 1042"), ShowTicket(1042), id="show-number"),
        pytest.param(msg("/show T1042"), ShowTicket(1042), id="show-T-number"),
        pytest.param(msg("/show #T1042"), ShowTicket(1042), id="show-hashtag-T-number"),
        pytest.param(msg("/show t1042"), ShowTicket(1042), id="show-lower-t-number"),
        pytest.param(msg("/show #1042"), ShowTicket(1042), id="show-hashtag-number"),
        pytest.param(msg("/show 1"), ShowTicket(1), id="show-ticket-one"),
        pytest.param(msg("/show 999999999"), ShowTicket(999_999_999), id="show-nine-digits"),
        pytest.param(msg(f"/show@{BOT} T7"), ShowTicket(7), id="show-addressed-to-this-bot"),
        pytest.param(msg("  /show   T1042  "), ShowTicket(1042), id="show-extra-spaces"),
        # /note <t> <text>
        pytest.param(msg("/note T1042 客户已同意补发"), AddNote(1042, "客户已同意补发"), id="note"),
        pytest.param(
            msg("/note 1042 第一行\n第二行"),
            AddNote(1042, "第一行\n第二行"),
            id="note-multi-line-kept",
        ),
        pytest.param(
            msg("/note 1042 @bo_aftersale 看一下 #aftersale"),
            AddNote(1042, "@bo_aftersale 看一下 #aftersale"),
            id="note-text-may-start-with-a-mention",
        ),
        # /transfer <t> @user [reason]
        pytest.param(
            msg("/transfer T1042 @bo_aftersale"),
            Transfer(1042, BO, None),
            id="transfer-to-username",
        ),
        pytest.param(
            msg("/transfer T1042 @bo_aftersale 他负责售后"),
            Transfer(1042, BO, "他负责售后"),
            id="transfer-with-reason",
        ),
        pytest.param(
            mentioning("/transfer 1042 Bo Wang 他熟悉这个客户"),
            Transfer(1042, BO_WANG, "他熟悉这个客户"),
            id="transfer-by-text-mention",
        ),
        pytest.param(
            replying("/transfer 1042"),
            Transfer(1042, UserRef(user_id=CUSTOMER_ID), None),
            id="transfer-to-the-sender-of-the-replied-message",
        ),
        pytest.param(
            replying("/transfer 1042 请接手"),
            Transfer(1042, UserRef(user_id=CUSTOMER_ID), "请接手"),
            id="transfer-by-reply-with-reason",
        ),
        pytest.param(
            replying("/transfer 1042 @bo_aftersale 请接手"),
            Transfer(1042, BO, "请接手"),
            id="transfer-named-user-wins-over-reply",
        ),
        # /outcome <t> agreed|disagreed|done [note], English and Chinese words
        pytest.param(
            msg("/outcome 1042 agreed"),
            RecordOutcome(1042, Outcome.AGREED, None),
            id="outcome-agreed",
        ),
        pytest.param(
            msg("/outcome 1042 Agreed 客户接受补发"),
            RecordOutcome(1042, Outcome.AGREED, "客户接受补发"),
            id="outcome-agreed-with-note",
        ),
        pytest.param(
            msg("/outcome 1042 agree"),
            RecordOutcome(1042, Outcome.AGREED, None),
            id="outcome-agree",
        ),
        pytest.param(
            msg("/outcome 1042 disagreed 客户要求退款"),
            RecordOutcome(1042, Outcome.DISAGREED, "客户要求退款"),
            id="outcome-disagreed",
        ),
        pytest.param(
            msg("/outcome 1042 disagree"),
            RecordOutcome(1042, Outcome.DISAGREED, None),
            id="outcome-disagree",
        ),
        pytest.param(
            msg("/outcome 1042 not_agreed"),
            RecordOutcome(1042, Outcome.DISAGREED, None),
            id="outcome-not-agreed",
        ),
        pytest.param(
            msg("/outcome 1042 DONE"), RecordOutcome(1042, Outcome.DONE, None), id="outcome-done"
        ),
        pytest.param(
            msg("/outcome 1042 一致"),
            RecordOutcome(1042, Outcome.AGREED, None),
            id="outcome-zh-yizhi",
        ),
        pytest.param(
            msg("/outcome 1042 协商一致 客户接受"),
            RecordOutcome(1042, Outcome.AGREED, "客户接受"),
            id="outcome-zh-xieshang-yizhi",
        ),
        pytest.param(
            msg("/outcome 1042 不一致"),
            RecordOutcome(1042, Outcome.DISAGREED, None),
            id="outcome-zh-bu-yizhi",
        ),
        pytest.param(
            msg("/outcome 1042 未协商一致 客户要退款"),
            RecordOutcome(1042, Outcome.DISAGREED, "客户要退款"),
            id="outcome-zh-wei-xieshang-yizhi",
        ),
        pytest.param(
            msg("/outcome 1042 完成"),
            RecordOutcome(1042, Outcome.DONE, None),
            id="outcome-zh-wancheng",
        ),
        pytest.param(
            msg("/outcome 1042 已完成"),
            RecordOutcome(1042, Outcome.DONE, None),
            id="outcome-zh-yi-wancheng",
        ),
        # /evidence, /cancel, /verdict, /appeal, /reopen
        pytest.param(msg("/evidence T1042"), CollectEvidence(1042), id="evidence"),
        pytest.param(
            msg("/evidence T1042 破损照片"),
            CollectEvidence(1042, "破损照片"),
            id="evidence-with-a-caption",
        ),
        pytest.param(
            msg("/cancel 1042 客户撤回了申请"), Cancel(1042, "客户撤回了申请"), id="cancel"
        ),
        pytest.param(
            msg("/verdict #T1042 按补发处理，运费由仓库承担"),
            Verdict(1042, "按补发处理，运费由仓库承担"),
            id="verdict",
        ),
        pytest.param(
            msg("/appeal 1042 照片显示是运输破损"), Appeal(1042, "照片显示是运输破损"), id="appeal"
        ),
        pytest.param(msg("/reopen T1042"), Reopen(1042), id="reopen"),
        # lists and lookups
        pytest.param(msg("/mine"), ListMine(), id="mine"),
        pytest.param(msg(f"/mine@{BOT}"), ListMine(), id="mine-addressed"),
        pytest.param(msg("/created"), ListCreated(), id="created"),
        pytest.param(msg("/pending"), ListPending(), id="pending"),
        pytest.param(
            msg("/pending @bo_aftersale"), ListPending(assignee=BO), id="pending-for-a-user"
        ),
        pytest.param(
            mentioning("/pending Bo Wang"),
            ListPending(assignee=BO_WANG),
            id="pending-for-a-text-mention",
        ),
        pytest.param(
            msg("/pending #aftersale"), ListPending(kind="aftersale"), id="pending-of-a-kind"
        ),
        pytest.param(msg("/order A123"), ByOrder("A123"), id="order"),
        # /stats [7d|30d]
        pytest.param(msg("/stats"), Stats(None), id="stats"),
        pytest.param(msg("/stats 7d"), Stats(timedelta(days=7)), id="stats-7d"),
        pytest.param(msg("/stats 30d"), Stats(timedelta(days=30)), id="stats-30d"),
        pytest.param(msg("/stats 12h"), Stats(timedelta(hours=12)), id="stats-any-duration"),
        # /export [csv|xlsx] [7d|30d], in either order
        pytest.param(msg("/export"), Export(ExportFormat.CSV, None), id="export-defaults-to-csv"),
        pytest.param(msg("/export xlsx"), Export(ExportFormat.XLSX, None), id="export-xlsx"),
        pytest.param(msg("/export CSV"), Export(ExportFormat.CSV, None), id="export-upper-case"),
        pytest.param(
            msg("/export csv 7d"),
            Export(ExportFormat.CSV, timedelta(days=7)),
            id="export-format-then-period",
        ),
        pytest.param(
            msg("/export 30d xlsx"),
            Export(ExportFormat.XLSX, timedelta(days=30)),
            id="export-period-then-format",
        ),
        pytest.param(
            msg("/export 7d"), Export(ExportFormat.CSV, timedelta(days=7)), id="export-period-only"
        ),
        # /lang, /help, /start
        pytest.param(msg("/lang zh"), SetLanguage(Language.ZH), id="lang-zh"),
        pytest.param(msg("/lang en"), SetLanguage(Language.EN), id="lang-en"),
        pytest.param(msg("/lang EN"), SetLanguage(Language.EN), id="lang-upper-case"),
        pytest.param(msg("/help"), Help(), id="help"),
        pytest.param(msg(f"/help@{BOT}"), Help(), id="help-addressed"),
        pytest.param(msg("/start"), Start(None), id="start"),
        pytest.param(msg("/start team-42"), Start("team-42"), id="start-with-payload"),
    ],
)
def test_parse_command_reads_every_form_of_the_grammar(
    message: MessageText, expected: Command
) -> None:
    assert parse(message) == expected


# --- every malformed form --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "command", "problem", "token"),
    [
        # ticket references
        pytest.param(msg("/show"), "show", "ticket_ref_missing", None, id="show-without-ref"),
        pytest.param(msg("/show abc"), "show", "ticket_ref_invalid", "abc", id="show-word"),
        pytest.param(msg("/show T0"), "show", "ticket_ref_invalid", "T0", id="show-ticket-zero"),
        pytest.param(msg("/show TT1"), "show", "ticket_ref_invalid", "TT1", id="show-double-t"),
        pytest.param(msg("/show T-1"), "show", "ticket_ref_invalid", "T-1", id="show-negative"),
        pytest.param(
            msg("/show 1234567890"),
            "show",
            "ticket_ref_invalid",
            "1234567890",
            id="show-ten-digits",
        ),
        pytest.param(msg("/show 12 extra"), "show", "unexpected", "extra", id="show-extra-word"),
        pytest.param(msg("/note"), "note", "ticket_ref_missing", None, id="note-without-ref"),
        pytest.param(
            msg("/transfer @bo_aftersale"),
            "transfer",
            "ticket_ref_invalid",
            "@bo_aftersale",
            id="transfer-user-before-ref",
        ),
        pytest.param(msg("/outcome"), "outcome", "ticket_ref_missing", None, id="outcome-no-ref"),
        pytest.param(
            msg("/evidence"), "evidence", "ticket_ref_missing", None, id="evidence-no-ref"
        ),
        pytest.param(msg("/cancel x"), "cancel", "ticket_ref_invalid", "x", id="cancel-bad-ref"),
        pytest.param(msg("/verdict"), "verdict", "ticket_ref_missing", None, id="verdict-no-ref"),
        pytest.param(msg("/appeal"), "appeal", "ticket_ref_missing", None, id="appeal-no-ref"),
        pytest.param(msg("/reopen"), "reopen", "ticket_ref_missing", None, id="reopen-no-ref"),
        # order ids
        pytest.param(
            msg("/ticket @bo_aftersale foo"),
            "ticket",
            "order_invalid",
            "@bo_aftersale",
            id="ticket-assignee-instead-of-order",
        ),
        pytest.param(
            msg("/ticket #aftersale A123 foo"),
            "ticket",
            "order_invalid",
            "#aftersale",
            id="ticket-kind-instead-of-order",
        ),
        pytest.param(
            msg("/ticket 订单 x"), "ticket", "order_invalid", "订单", id="ticket-zh-order"
        ),
        pytest.param(msg("/ticket 12 x"), "ticket", "order_invalid", "12", id="ticket-short-order"),
        pytest.param(
            mentioning("/ticket Bo Wang x"),
            "ticket",
            "order_invalid",
            "Bo Wang",
            id="ticket-text-mention-instead-of-order",
        ),
        pytest.param(msg("/order"), "order", "order_missing", None, id="order-without-id"),
        pytest.param(msg("/order 订单"), "order", "order_invalid", "订单", id="order-zh"),
        pytest.param(msg("/order A123 x"), "order", "unexpected", "x", id="order-extra-word"),
        # kinds and assignees
        pytest.param(
            msg("/ticket A123 #refund x"), "ticket", "kind_unknown", "#refund", id="unknown-kind"
        ),
        pytest.param(
            msg("/ticket A123 #售后 x"), "ticket", "kind_unknown", "#售后", id="kind-by-zh-label"
        ),
        pytest.param(
            msg("/ticket A123 #memo #task x"), "ticket", "kind_twice", "#task", id="kind-twice"
        ),
        pytest.param(
            msg("/ticket A123 @bo_aftersale @amy_ops x"),
            "ticket",
            "assignee_twice",
            "@amy_ops",
            id="assignee-twice",
        ),
        pytest.param(
            mentioning("/ticket A123 @bo_aftersale Bo Wang x"),
            "ticket",
            "assignee_twice",
            "Bo Wang",
            id="assignee-twice-username-and-mention",
        ),
        pytest.param(
            msg("/ticket A123 @x foo"), "ticket", "assignee_invalid", "@x", id="username-too-short"
        ),
        pytest.param(
            msg("/ticket A123 @小王 foo"), "ticket", "assignee_invalid", "@小王", id="username-zh"
        ),
        pytest.param(
            msg("/ticket A123 #aftersale @bo_aftersale"),
            "ticket",
            "description_missing",
            None,
            id="ticket-without-description",
        ),
        pytest.param(
            msg("/ticket A123"), "ticket", "description_missing", None, id="ticket-order-only"
        ),
        pytest.param(
            replying("/ticket A123", to=None),
            "ticket",
            "description_missing",
            None,
            id="ticket-reply-to-a-message-without-text",
        ),
        # texts
        pytest.param(msg("/note 1042"), "note", "text_missing", None, id="note-without-text"),
        pytest.param(
            msg("/note 1042  \n "), "note", "text_missing", None, id="note-with-blank-text"
        ),
        pytest.param(
            msg("/transfer 1042"), "transfer", "assignee_missing", None, id="transfer-no-assignee"
        ),
        pytest.param(
            msg("/transfer 1042 他负责"),
            "transfer",
            "assignee_missing",
            "他负责",
            id="transfer-reason-without-assignee",
        ),
        pytest.param(
            replying("/transfer 1042", bot=True),
            "transfer",
            "assignee_missing",
            None,
            id="transfer-reply-to-a-bot-names-nobody",
        ),
        pytest.param(
            msg("/transfer 1042 @x"),
            "transfer",
            "assignee_invalid",
            "@x",
            id="transfer-username-too-short",
        ),
        pytest.param(
            msg("/outcome 1042"), "outcome", "outcome_missing", None, id="outcome-without-word"
        ),
        pytest.param(
            msg("/outcome 1042 maybe"), "outcome", "outcome_invalid", "maybe", id="outcome-unknown"
        ),
        pytest.param(
            msg("/outcome 1042 同意"), "outcome", "outcome_invalid", "同意", id="outcome-zh-unknown"
        ),
        pytest.param(msg("/cancel 1042"), "cancel", "reason_missing", None, id="cancel-no-reason"),
        pytest.param(msg("/verdict 1042"), "verdict", "text_missing", None, id="verdict-no-text"),
        pytest.param(msg("/appeal 1042"), "appeal", "reason_missing", None, id="appeal-no-reason"),
        # filters, periods, formats, languages
        pytest.param(msg("/pending bo"), "pending", "filter_invalid", "bo", id="pending-bare-word"),
        pytest.param(
            msg("/pending @x"), "pending", "assignee_invalid", "@x", id="pending-short-user"
        ),
        pytest.param(
            msg("/pending #refund"), "pending", "kind_unknown", "#refund", id="pending-bad-kind"
        ),
        pytest.param(
            msg("/pending #memo @bo_aftersale"),
            "pending",
            "unexpected",
            "@bo_aftersale",
            id="pending-two-filters",
        ),
        pytest.param(msg("/mine all"), "mine", "unexpected", "all", id="mine-with-argument"),
        pytest.param(msg("/created x"), "created", "unexpected", "x", id="created-with-argument"),
        pytest.param(msg("/help me"), "help", "unexpected", "me", id="help-with-argument"),
        pytest.param(msg("/stats 7x"), "stats", "period_invalid", "7x", id="stats-bad-period"),
        pytest.param(msg("/stats week"), "stats", "period_invalid", "week", id="stats-word"),
        pytest.param(msg("/stats 7d extra"), "stats", "unexpected", "extra", id="stats-extra"),
        pytest.param(msg("/export pdf"), "export", "unexpected", "pdf", id="export-pdf"),
        pytest.param(msg("/export 7x"), "export", "period_invalid", "7x", id="export-bad-period"),
        pytest.param(
            msg("/export csv xlsx"), "export", "unexpected", "xlsx", id="export-two-formats"
        ),
        pytest.param(msg("/export 7d 30d"), "export", "unexpected", "30d", id="export-two-periods"),
        pytest.param(msg("/lang"), "lang", "language_missing", None, id="lang-without-language"),
        pytest.param(msg("/lang fr"), "lang", "language_invalid", "fr", id="lang-fr"),
        pytest.param(msg("/lang 法语"), "lang", "language_invalid", "法语", id="lang-zh-word"),
        pytest.param(msg("/lang zh en"), "lang", "unexpected", "en", id="lang-two-languages"),
        # not a command of this bot
        pytest.param(
            msg("/frobnicate"), "help", "unknown_command", "/frobnicate", id="unknown-command"
        ),
        pytest.param(msg("/"), "help", "unknown_command", "/", id="bare-slash"),
        pytest.param(
            msg("/show@otherbot 1"), "help", "other_bot", "/show@otherbot", id="other-bot"
        ),
        pytest.param(
            msg("/frobnicate@otherbot"),
            "help",
            "other_bot",
            "/frobnicate@otherbot",
            id="other-bot-before-unknown-command",
        ),
        pytest.param(msg("hello"), "help", "not_a_command", None, id="plain-text"),
        pytest.param(msg(""), "help", "not_a_command", None, id="empty-text"),
        pytest.param(msg("  \n "), "help", "not_a_command", None, id="blank-text"),
        pytest.param(msg("T1042"), "help", "not_a_command", None, id="bare-ticket-ref"),
    ],
)
def test_malformed_commands_name_the_usage_problem_and_token(
    message: MessageText, command: str, problem: str, token: str | None
) -> None:
    error = usage_error(message)
    assert error.command == command
    assert error.key == f"problem.{problem}"
    assert error.params.get("token") == token


def test_unknown_kind_lists_the_known_kinds_as_hashtags() -> None:
    error = usage_error(msg("/ticket A123 #refund 退款"))
    assert error.params["known"] == KNOWN_KINDS


def test_unknown_kind_lists_exactly_the_kinds_passed_in() -> None:
    with pytest.raises(UsageError) as caught:
        parse_command(msg("/pending #memo"), kinds=("review", "urgent"), bot_username=BOT)
    assert caught.value.params["known"] == "#review #urgent"


def test_a_kind_passed_in_is_accepted() -> None:
    command = parse_command(msg("/pending #urgent"), kinds=("urgent",), bot_username=BOT)
    assert command == ListPending(kind="urgent")


def test_usage_error_carries_the_command_in_its_params() -> None:
    error = usage_error(msg("/show abc"))
    assert error.params["command"] == "show"


# --- text length -----------------------------------------------------------------------------

TOO_LONG: Final = "长" * (MAX_TEXT + 1)
LONGEST: Final = "长" * MAX_TEXT


@pytest.mark.parametrize(
    ("message", "command"),
    [
        pytest.param(msg(f"/ticket A123 {TOO_LONG}"), "ticket", id="ticket-description"),
        pytest.param(
            replying("/ticket A123", to=TOO_LONG), "ticket", id="ticket-replied-description"
        ),
        pytest.param(msg(f"/note 1042 {TOO_LONG}"), "note", id="note"),
        pytest.param(msg(f"/transfer 1042 @bo_aftersale {TOO_LONG}"), "transfer", id="reason"),
        pytest.param(msg(f"/outcome 1042 done {TOO_LONG}"), "outcome", id="outcome-note"),
        pytest.param(msg(f"/cancel 1042 {TOO_LONG}"), "cancel", id="cancel-reason"),
        pytest.param(msg(f"/verdict 1042 {TOO_LONG}"), "verdict", id="verdict-text"),
        pytest.param(msg(f"/appeal 1042 {TOO_LONG}"), "appeal", id="appeal-reason"),
    ],
)
def test_text_over_the_limit_is_refused_with_the_limit(message: MessageText, command: str) -> None:
    error = usage_error(message)
    assert (error.command, error.key) == (command, "problem.text_too_long")
    assert error.params["limit"] == MAX_TEXT == 1500


def test_text_of_exactly_the_limit_is_accepted() -> None:
    assert parse(msg(f"/note 1042 {LONGEST}")) == AddNote(1042, LONGEST)
    assert parse(msg(f"/ticket A123 {LONGEST}")) == CreateTicket("A123", None, None, LONGEST)


# --- addressing --------------------------------------------------------------------------------


def test_without_a_bot_username_any_addressee_is_accepted() -> None:
    assert parse(msg("/show@otherbot 1"), bot_username=None) == ShowTicket(1)


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_name_is_parsed_by_its_own_parser(name: str) -> None:
    """Alone, each command either parses or complains about its own usage."""
    complaint: str | None = None
    try:
        parse(msg(f"/{name}"))
    except UsageError as error:
        complaint = error.command
    assert complaint in (None, name)


def test_text_mention_spans_are_str_indices_after_wide_characters() -> None:
    """A mention after Chinese text is found by its str span, not by bytes or UTF-16."""
    message = mentioning("/transfer 1042 Bo Wang 请处理售后")
    assert parse(message) == Transfer(1042, BO_WANG, "请处理售后")


def test_text_mention_inside_a_note_is_kept_as_typed() -> None:
    message = mentioning("/note 1042 请 Bo Wang 明天回电")
    assert parse(message) == AddNote(1042, "请 Bo Wang 明天回电")


# --- found while pinning the behaviour (fixed since) -------------------------------------------


def test_a_period_too_large_for_timedelta_is_a_usage_error() -> None:
    error = usage_error(msg("/stats 1000000000d"))
    assert (error.key, error.params["token"]) == ("problem.period_invalid", "1000000000d")


def test_guided_ticket_refuses_a_replied_text_over_the_limit() -> None:
    error = usage_error(replying("/ticket", to=TOO_LONG))
    assert error.key == "problem.text_too_long"


def test_guided_ticket_from_a_blank_reply_has_no_description() -> None:
    assert parse(replying("/ticket", to="  \n ")) == StartGuidedTicket(description=None)


@pytest.mark.parametrize(
    ("message", "kept"),
    [
        pytest.param(
            mentioning("/ticket A123 Bo Wang，客户说 杯子碎了"), "客户说", id="ticket-description"
        ),
        pytest.param(
            mentioning("/transfer 1042 Bo Wang，他熟悉这个客户"),
            "他熟悉这个客户",
            id="transfer-reason",
        ),
    ],
)
def test_text_right_after_a_text_mention_is_kept(message: MessageText, kept: str) -> None:
    command = parse(message)
    assert isinstance(command, CreateTicket | Transfer)
    text = command.description if isinstance(command, CreateTicket) else command.reason
    assert text is not None
    assert kept in text


# --- what people type on a Chinese keyboard ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("／show T1042", ShowTicket(1042), id="full-width-slash"),
        pytest.param(
            "/ticket A123 ＃aftersale ＠bo_aftersale 破损",
            CreateTicket("A123", "aftersale", UserRef(username="bo_aftersale"), "破损"),
            id="full-width-hash-and-at",
        ),
        pytest.param("/show T1042。", ShowTicket(1042), id="ticket-ref-with-full-stop"),
        pytest.param("/show #T1042,", ShowTicket(1042), id="ticket-ref-with-comma"),
        pytest.param(
            "/outcome 1042 未协商一致，客户要退款",
            RecordOutcome(1042, Outcome.DISAGREED, "客户要退款"),
            id="outcome-word-glued-to-the-note",
        ),
        pytest.param(
            "/outcome 1042 agreed, refund sent",
            RecordOutcome(1042, Outcome.AGREED, "refund sent"),
            id="outcome-word-with-comma",
        ),
        pytest.param("/lang 中文", SetLanguage(Language.ZH), id="lang-zhongwen"),
        pytest.param("/lang English", SetLanguage(Language.EN), id="lang-english-word"),
        pytest.param(
            "/reopen 1042 客户又来了", Reopen(1042, "客户又来了"), id="reopen-with-reason"
        ),
        pytest.param(
            "/ticket A123 #T1042 跟进",
            CreateTicket("A123", None, None, "#T1042 跟进"),
            id="ticket-hashtag-starts-the-description",
        ),
    ],
)
def test_chinese_keyboard_forms_mean_the_same_command(text: str, expected: Command) -> None:
    assert parse(msg(text)) == expected


def test_a_kind_label_works_as_its_hashtag() -> None:
    command = parse_command(
        msg("/ticket A123 #售后处理 破损"),
        kinds=KINDS,
        bot_username=BOT,
        kind_aliases={"售后处理": "aftersale"},
    )
    assert command == CreateTicket("A123", "aftersale", None, "破损")

// Chat panel of the Telegram emulator: renders chats like a Telegram client and acts as personas.
(() => {
  "use strict";

  const I18N = {
    en: {
      title: "Ticketbot · Telegram emulator",
      connecting: "Connecting…",
      live: "Live",
      reconnecting: "Reconnecting…",
      actingAs: "Acting as",
      language: "Language",
      flood: "Flood limits",
      chats: "Chats",
      privateWith: "{name} ↔ bot",
      privateSubtitle: "private chat of {name} with @{bot}",
      groupSubtitle: "{n} members · {type}",
      notStarted: "not started",
      start: "START",
      startHint: "{name} never opened this chat, so the bot cannot write here. Press START as {name}.",
      placeholder: "Write a message…",
      send: "Send",
      menu: "Menu",
      sendAsFile: "Send as file",
      filesChosen: "{n} file(s): {names}",
      replyTo: "Reply to {name}",
      edited: "edited",
      typing: "{name} is typing…",
      uploading: "{name} is sending a file…",
      acting: "{name}: {action}…",
      noCommands: "The bot set no commands for this chat.",
      emptyChat: "No messages here yet",
      selectChat: "Select a chat",
      switched: "Only {name} writes in this private chat — now acting as {name}.",
      album: "album",
      photo: "Photo",
      video: "Video",
      file: "File",
      forwarded: "Forwarded from {name}",
      answerFor: "Bot answer for {name}",
      ok: "OK",
      showAll: "Show all",
      filtered: "Messages with {tag}",
      you: "you",
      bot: "bot",
      role_agent: "agent",
      role_assignee: "assignee",
      role_supervisor: "supervisor",
      group: "group",
      supergroup: "supergroup",
      deleted: "message deleted",
    },
    zh: {
      title: "Ticketbot · Telegram 模拟器",
      connecting: "连接中…",
      live: "已连接",
      reconnecting: "重新连接中…",
      actingAs: "当前身份",
      language: "语言",
      flood: "频率限制",
      chats: "会话",
      privateWith: "{name} ↔ 机器人",
      privateSubtitle: "{name} 与 @{bot} 的私聊",
      groupSubtitle: "{n} 位成员 · {type}",
      notStarted: "未启动",
      start: "开始",
      startHint: "{name} 从未打开过这个对话，机器人无法在此发消息。请以 {name} 的身份按“开始”。",
      placeholder: "输入消息…",
      send: "发送",
      menu: "菜单",
      sendAsFile: "作为文件发送",
      filesChosen: "{n} 个文件：{names}",
      replyTo: "回复 {name}",
      edited: "已编辑",
      typing: "{name} 正在输入…",
      uploading: "{name} 正在发送文件…",
      acting: "{name}：{action}…",
      noCommands: "机器人没有为此会话设置命令。",
      emptyChat: "这里还没有消息",
      selectChat: "请选择会话",
      switched: "只有 {name} 能在这个私聊里发言——已切换为 {name}。",
      album: "相册",
      photo: "图片",
      video: "视频",
      file: "文件",
      forwarded: "转发自 {name}",
      answerFor: "机器人给 {name} 的回应",
      ok: "确定",
      showAll: "显示全部",
      filtered: "包含 {tag} 的消息",
      you: "你",
      bot: "机器人",
      role_agent: "客服",
      role_assignee: "处理人",
      role_supervisor: "主管",
      group: "群组",
      supergroup: "超级群组",
      deleted: "消息已删除",
    },
  };

  // Extension points for panel add-ons (forum.js: topics as threads, the inline-query box).
  const hooks = {
    visibleMessages: (messages) => messages,
    sendExtras: () => ({}),
    afterRender: () => {},
    // webapp.js: opens a web_app button's Mini App in the side pane.
    openWebApp: null,
  };

  const AVATAR_COLORS = ["#e17076", "#7bc862", "#e5ca77", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb"];

  const state = {
    lang: "en",
    bot: null,
    personas: [],
    chats: [],
    personaId: null,
    chatId: null,
    view: null,
    viewChatId: null,
    replyTo: null,
    unread: {},
    previews: {},
    hashtag: null,
    files: [],
    actionTimer: null,
    connected: false,
    stickToBottom: true,
  };

  const byId = (id) => document.getElementById(id);
  const el = (tag, attrs = {}, children = []) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  function t(key, vars = {}) {
    const table = I18N[state.lang] || I18N.en;
    let text = table[key] !== undefined ? table[key] : I18N.en[key] !== undefined ? I18N.en[key] : key;
    for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  async function api(path, options = {}) {
    const init = { method: options.method || "GET", headers: {} };
    if (options.json !== undefined) {
      init.method = options.method || "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.json);
    } else if (options.form) {
      init.method = "POST";
      init.body = options.form;
    }
    const response = await fetch(path, init);
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      throw new Error(`${response.status} ${response.statusText}`);
    }
    if (!response.ok || (body && body.ok === false)) {
      throw new Error((body && body.error) || `${response.status} ${response.statusText}`);
    }
    return body;
  }

  function showError(error) {
    const banner = byId("error-banner");
    banner.textContent = error instanceof Error ? error.message : String(error);
    banner.classList.remove("hidden");
    clearTimeout(showError.timer);
    showError.timer = setTimeout(() => banner.classList.add("hidden"), 6000);
  }

  function persona(id) {
    return state.personas.find((p) => p.id === id) || null;
  }

  function fullName(user) {
    if (!user) return "";
    return [user.first_name, user.last_name].filter(Boolean).join(" ");
  }

  function userName(user) {
    if (!user) return "";
    if (state.bot && user.id === state.bot.id) return user.first_name;
    return fullName(user);
  }

  function chatById(id) {
    return state.chats.find((c) => c.id === id) || null;
  }

  function chatTitle(chat) {
    if (!chat) return "";
    if (chat.type === "private") return t("privateWith", { name: fullName(chat) });
    return chat.title;
  }

  function avatar(name, seed) {
    const color = AVATAR_COLORS[Math.abs(Number(seed)) % AVATAR_COLORS.length];
    const letters = (name || "?").trim().slice(0, 1).toUpperCase();
    return el("div", { class: "avatar", style: `background:${color}` }, letters);
  }

  function formatTime(unix) {
    const date = new Date(unix * 1000);
    return date.toLocaleTimeString(state.lang === "zh" ? "zh-CN" : "en-GB", {
      hour: "2-digit",
      minute: "2-digit",
    });
  }

  function formatSize(bytes) {
    if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
    if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${bytes} B`;
  }

  function summary(message) {
    if (!message) return "";
    if (message.text) return message.text;
    const prefix = message.photo ? t("photo") : message.video ? t("video") : message.document ? t("file") : "";
    const name = message.document && message.document.file_name ? ` ${message.document.file_name}` : "";
    return [prefix + name, message.caption].filter(Boolean).join(" · ");
  }

  // --- entities ------------------------------------------------------------------------------

  // Bot API offsets are UTF-16 code units, which is exactly how JavaScript strings index.
  function renderEntities(text, entities) {
    const fragment = document.createDocumentFragment();
    const list = (entities || []).slice().sort((a, b) => a.offset - b.offset || b.length - a.length);
    const cuts = new Set([0, text.length]);
    for (const entity of list) {
      cuts.add(entity.offset);
      cuts.add(Math.min(text.length, entity.offset + entity.length));
    }
    const points = Array.from(cuts).sort((a, b) => a - b);
    for (let i = 0; i + 1 < points.length; i += 1) {
      const start = points[i];
      const end = points[i + 1];
      let node = document.createTextNode(text.slice(start, end));
      const active = list.filter((e) => e.offset <= start && e.offset + e.length >= end);
      for (let j = active.length - 1; j >= 0; j -= 1) {
        node = wrapEntity(active[j], node, text.slice(active[j].offset, active[j].offset + active[j].length));
      }
      fragment.append(node);
    }
    return fragment;
  }

  function wrapEntity(entity, child, whole) {
    const wrap = (tag, attrs = {}) => el(tag, attrs, [child]);
    switch (entity.type) {
      case "bold":
        return wrap("strong");
      case "italic":
        return wrap("em");
      case "underline":
        return wrap("u");
      case "strikethrough":
        return wrap("s");
      case "code":
        return wrap("code");
      case "pre":
        return wrap("pre", { "data-language": entity.language });
      case "blockquote":
      case "expandable_blockquote":
        return wrap("blockquote");
      case "spoiler":
        return wrap("span", {
          class: "spoiler",
          onclick: (event) => {
            event.stopPropagation();
            event.currentTarget.classList.add("revealed");
          },
        });
      case "text_link":
        return wrap("a", { href: entity.url, target: "_blank", rel: "noopener", onclick: stop });
      case "url":
        return wrap("a", {
          href: /^[a-z]+:\/\//i.test(whole) ? whole : `http://${whole}`,
          target: "_blank",
          rel: "noopener",
          onclick: stop,
        });
      case "email":
        return wrap("a", { href: `mailto:${whole}`, onclick: stop });
      case "mention":
      case "text_mention":
        return wrap("span", { class: "entity-mention" });
      case "hashtag":
        return wrap("span", {
          class: "entity-hashtag",
          onclick: (event) => {
            event.stopPropagation();
            setHashtagFilter(whole);
          },
        });
      case "cashtag":
        return wrap("span", { class: "entity-cashtag" });
      case "bot_command":
        return wrap("span", {
          class: "entity-command",
          onclick: (event) => {
            event.stopPropagation();
            sendText(whole);
          },
        });
      default:
        return child;
    }
  }

  function stop(event) {
    event.stopPropagation();
  }

  // --- rendering -----------------------------------------------------------------------------

  function applyLang() {
    document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.placeholder = t(node.dataset.i18nPlaceholder);
    }
    byId("lang-select").value = state.lang;
    renderConnection();
    renderPersonas();
    renderChats();
    renderChat();
  }

  function renderPersonas() {
    const select = byId("persona-select");
    select.replaceChildren();
    for (const p of state.personas) {
      const role = p.role ? ` · ${t(`role_${p.role}`)}` : "";
      const started = p.started_bot ? "" : ` · ${t("notStarted")}`;
      select.append(el("option", { value: p.id }, `${fullName(p)}${role}${started}`));
    }
    if (state.personaId !== null) select.value = String(state.personaId);
  }

  function renderChats() {
    const list = byId("chat-list");
    list.replaceChildren();
    for (const chat of state.chats) {
      const owner = chat.type === "private" ? persona(chat.id) : null;
      const preview = state.previews[chat.id];
      const unread = state.unread[chat.id] || 0;
      const nameRow = el("div", { class: "chat-name" }, [
        el("span", {}, chatTitle(chat)),
        unread
          ? el("span", { class: "badge", "data-testid": `chat-unread-${chat.id}` }, String(unread))
          : null,
      ]);
      const meta = owner
        ? el("div", { class: "chat-meta" }, [
            owner.role ? t(`role_${owner.role}`) : "",
            owner.started_bot
              ? null
              : el("span", { class: "not-started", "data-testid": "chat-not-started" }, ` ${t("notStarted")}`),
          ])
        : null;
      const item = el(
        "li",
        {
          class: `chat-item${chat.id === state.chatId ? " active" : ""}`,
          "data-testid": `chat-${chat.id}`,
          "data-chat-id": chat.id,
          onclick: () => selectChat(chat.id),
        },
        [
          avatar(chat.type === "private" ? chat.first_name : chat.title, chat.id),
          el("div", { class: "chat-body" }, [
            nameRow,
            el("div", { class: "chat-preview" }, preview ? previewText(preview) : ""),
            meta,
          ]),
        ],
      );
      list.append(item);
    }
  }

  function previewText(message) {
    const from = message.from ? userName(message.from) : "";
    return `${from}: ${summary(message)}`;
  }

  function renderChat() {
    const chat = chatById(state.chatId);
    byId("chat-title").textContent = chat ? chatTitle(chat) : t("selectChat");
    const subtitle = byId("chat-subtitle");
    if (!chat) subtitle.textContent = "";
    else if (chat.type === "private") {
      subtitle.textContent = t("privateSubtitle", { name: fullName(chat), bot: state.bot ? state.bot.username : "" });
    } else {
      const members = state.view && state.view.members !== undefined ? state.view.members : "";
      subtitle.textContent = t("groupSubtitle", { n: members, type: t(chat.type) });
    }
    renderMessages();
    renderComposer();
    hooks.afterRender();
  }

  function scrollToBottomIfSticky() {
    const list = byId("message-list");
    if (state.stickToBottom) list.scrollTop = list.scrollHeight;
  }

  function renderMessages() {
    const list = byId("message-list");
    list.replaceChildren();
    const filter = byId("hashtag-filter");
    if (state.hashtag) {
      filter.classList.remove("hidden");
      byId("hashtag-filter-text").textContent = t("filtered", { tag: state.hashtag });
    } else {
      filter.classList.add("hidden");
    }
    const messages = hooks.visibleMessages(state.view ? state.view.messages : []);
    const shown = state.hashtag ? messages.filter((m) => hasHashtag(m, state.hashtag)) : messages;
    if (!shown.length) {
      list.append(el("div", { class: "empty" }, state.chatId === null ? t("selectChat") : t("emptyChat")));
      return;
    }
    let previous = null;
    for (const message of shown) {
      list.append(renderMessage(message, previous));
      previous = message;
    }
    scrollToBottomIfSticky();
  }

  function hasHashtag(message, tag) {
    const text = message.text || message.caption || "";
    const entities = message.entities || message.caption_entities || [];
    return entities.some(
      (e) => e.type === "hashtag" && text.slice(e.offset, e.offset + e.length).toLowerCase() === tag.toLowerCase(),
    );
  }

  function renderMessage(message, previous) {
    const chat = chatById(state.chatId);
    const isBot = state.bot && message.from.id === state.bot.id;
    const own = message.from.id === state.personaId;
    const sameSender = previous && previous.from.id === message.from.id && previous.media_group_id &&
      previous.media_group_id === message.media_group_id;
    const children = [];
    if (chat && chat.type !== "private" && !own && !sameSender) {
      children.push(
        el("div", { class: `sender${isBot ? " bot" : ""}`, "data-testid": "message-sender" }, [
          userName(message.from),
          isBot ? el("span", { class: "bot-tag" }, t("bot")) : null,
        ]),
      );
    }
    if (message.forward_origin && message.forward_origin.sender_user) {
      children.push(el("div", { class: "forwarded" }, t("forwarded", { name: userName(message.forward_origin.sender_user) })));
    }
    if (message.media_group_id) children.push(el("div", { class: "album-tag" }, `▦ ${t("album")}`));
    if (message.reply_to_message) {
      const replied = message.reply_to_message;
      children.push(
        el(
          "div",
          {
            class: "reply",
            "data-testid": "message-reply",
            "data-reply-to": replied.message_id,
            onclick: (event) => {
              event.stopPropagation();
              scrollToMessage(replied.message_id);
            },
          },
          [el("b", {}, userName(replied.from)), el("span", {}, summary(replied))],
        ),
      );
    }
    if (message.photo && message.photo.length) {
      const largest = message.photo[message.photo.length - 1];
      const src = `/panel/api/files/${encodeURIComponent(largest.file_id)}`;
      children.push(
        el("img", {
          class: "photo",
          src,
          alt: t("photo"),
          loading: "lazy",
          "data-testid": "message-photo",
          "data-width": largest.width,
          "data-height": largest.height,
          onload: scrollToBottomIfSticky,
          onclick: (event) => {
            event.stopPropagation();
            window.open(src, "_blank");
          },
        }),
      );
    }
    if (message.video) {
      children.push(
        el("video", {
          class: "video",
          controls: true,
          preload: "metadata",
          src: `/panel/api/files/${encodeURIComponent(message.video.file_id)}`,
          "data-testid": "message-video",
          onclick: stop,
        }),
      );
    }
    if (message.document) {
      const doc = message.document;
      children.push(
        el(
          "a",
          {
            class: "document",
            "data-testid": "message-document",
            href: `/panel/api/files/${encodeURIComponent(doc.file_id)}?download=1`,
            download: doc.file_name || "file",
            onclick: stop,
          },
          [
            el("span", { class: "doc-icon" }, "⬇"),
            el("span", {}, [
              el("div", { class: "doc-name" }, doc.file_name || t("file")),
              el("div", { class: "doc-size" }, `${formatSize(doc.file_size || 0)} · ${doc.mime_type || ""}`),
            ]),
          ],
        ),
      );
    }
    if (message.text !== undefined) {
      children.push(
        el("div", { class: "text", "data-testid": "message-text" }, [renderEntities(message.text, message.entities)]),
      );
    }
    if (message.caption !== undefined) {
      children.push(
        el("div", { class: "caption", "data-testid": "message-caption" }, [
          renderEntities(message.caption, message.caption_entities),
        ]),
      );
    }
    children.push(
      el("span", { class: "meta" }, [
        message.edit_date ? el("span", { "data-testid": "message-edited" }, t("edited")) : null,
        el("span", { "data-testid": "message-time" }, formatTime(message.date)),
      ]),
    );
    const selected = state.replyTo && state.replyTo.message_id === message.message_id;
    const row = el(
      "div",
      {
        class: `msg-row ${own ? "out" : "in"}${isBot ? " from-bot" : ""}${sameSender ? " grouped" : ""}${selected ? " selected" : ""}`,
        "data-testid": "message",
        "data-message-id": message.message_id,
        "data-from-id": message.from.id,
        "data-media-group-id": message.media_group_id,
      },
      [el("div", { class: "bubble", onclick: () => setReplyTo(message) }, children)],
    );
    if (message.reply_markup && message.reply_markup.inline_keyboard) {
      row.append(renderInlineKeyboard(message));
    }
    return row;
  }

  function renderInlineKeyboard(message) {
    const keyboard = el("div", { class: "inline-keyboard", "data-testid": "inline-keyboard" });
    for (const row of message.reply_markup.inline_keyboard) {
      const line = el("div", { class: "kb-row" });
      for (const button of row) {
        line.append(
          el(
            "button",
            {
              type: "button",
              class: `kb-button${button.url ? " url" : ""}${button.web_app ? " web-app" : ""}`,
              "data-testid": "inline-button",
              "data-callback-data": button.callback_data,
              "data-url": button.url,
              onclick: (event) => pressInline(event.currentTarget, message, button),
            },
            button.text,
          ),
        );
      }
      keyboard.append(line);
    }
    return keyboard;
  }

  function renderComposer() {
    const chat = chatById(state.chatId);
    const owner = chat && chat.type === "private" ? persona(chat.id) : null;
    const needsStart = Boolean(owner && !owner.started_bot);
    byId("start-panel").classList.toggle("hidden", !needsStart);
    byId("composer").classList.toggle("hidden", needsStart || !chat);
    if (needsStart) byId("start-hint").textContent = t("startHint", { name: fullName(owner) });

    const preview = byId("reply-preview");
    if (state.replyTo) {
      preview.classList.remove("hidden");
      byId("reply-preview-title").textContent = t("replyTo", { name: userName(state.replyTo.from) });
      byId("reply-preview-text").textContent = summary(state.replyTo);
    } else {
      preview.classList.add("hidden");
    }

    const attachments = byId("attachments");
    if (state.files.length) {
      attachments.classList.remove("hidden");
      byId("attachments-text").textContent = t("filesChosen", {
        n: state.files.length,
        names: state.files.map((f) => f.name).join(", "),
      });
    } else {
      attachments.classList.add("hidden");
    }

    const replyKeyboard = byId("reply-keyboard");
    replyKeyboard.replaceChildren();
    const markup = state.view && state.view.reply_keyboard;
    if (markup && markup.keyboard && !needsStart) {
      replyKeyboard.classList.remove("hidden");
      for (const row of markup.keyboard) {
        const line = el("div", { class: "kb-row" });
        for (const button of row) {
          line.append(
            el(
              "button",
              { type: "button", "data-testid": "reply-keyboard-button", onclick: () => sendText(button.text) },
              button.text,
            ),
          );
        }
        replyKeyboard.append(line);
      }
    } else {
      replyKeyboard.classList.add("hidden");
    }
    renderCommands();
  }

  function renderCommands() {
    const popup = byId("commands-popup");
    popup.replaceChildren();
    const commands = (state.view && state.view.commands) || [];
    if (!commands.length) {
      popup.append(el("div", { class: "command-empty" }, t("noCommands")));
      return;
    }
    for (const command of commands) {
      popup.append(
        el(
          "div",
          {
            class: "command-item",
            "data-testid": "command-item",
            "data-command": command.command,
            onclick: () => {
              popup.classList.add("hidden");
              const input = byId("composer-input");
              input.value = `/${command.command} `;
              input.focus();
            },
          },
          [el("b", {}, `/${command.command}`), el("span", {}, command.description)],
        ),
      );
    }
  }

  function scrollToMessage(messageId) {
    const node = document.querySelector(`[data-testid="message"][data-message-id="${messageId}"]`);
    if (!node) return;
    node.scrollIntoView({ block: "center", behavior: "smooth" });
    node.classList.add("highlight");
    setTimeout(() => node.classList.remove("highlight"), 1500);
  }

  // --- state changes -------------------------------------------------------------------------

  function setReplyTo(message) {
    state.replyTo = state.replyTo && state.replyTo.message_id === message.message_id ? null : message;
    renderMessages();
    renderComposer();
    byId("composer-input").focus();
  }

  function setHashtagFilter(tag) {
    state.hashtag = tag;
    renderMessages();
  }

  async function loadState() {
    const data = await api("/panel/api/state");
    state.bot = data.bot;
    state.personas = data.personas;
    state.chats = data.chats;
    if (state.personaId === null) state.personaId = data.persona_id;
    if (!loadState.langSet) {
      state.lang = data.lang;
      loadState.langSet = true;
    }
    byId("flood-toggle").checked = Boolean(data.flood_limits);
    for (const chat of data.chats) state.previews[chat.id] = chat.last_message || null;
    if (state.chatId === null && state.chats.length) state.chatId = state.chats[0].id;
  }

  // Changes to a chat's messages that arrived while its history was being fetched: the answer
  // may have been read before them, so they are applied again on top of it. (Without this, a
  // card sent while one opens the chat showed for a moment and then vanished.)
  const pendingLoads = new Set();

  function changeView(chatId, change) {
    for (const missed of pendingLoads) missed.push({ chatId, change });
    // Only into the view of that chat: while another chat's history loads, the old one shows.
    if (chatId === state.viewChatId && state.view) change();
  }

  async function loadChat() {
    if (state.chatId === null) {
      state.view = null;
      state.viewChatId = null;
      return;
    }
    const chatId = state.chatId;
    const query = state.personaId !== null ? `?persona_id=${state.personaId}` : "";
    const missed = [];
    pendingLoads.add(missed);
    let view;
    try {
      view = await api(`/panel/api/chats/${chatId}${query}`);
    } finally {
      pendingLoads.delete(missed);
    }
    // Another chat was chosen meanwhile: its own load shows it.
    if (state.chatId !== chatId) return;
    state.view = view;
    state.viewChatId = chatId;
    // Each change is keyed by message id, so one the answer already holds is harmless again.
    for (const { chatId: changed, change } of missed) if (changed === chatId) change();
    if (state.view.force_reply_message_id) {
      const asked = state.view.messages.find((m) => m.message_id === state.view.force_reply_message_id);
      const answered = state.view.messages.some(
        (m) => m.reply_to_message && m.reply_to_message.message_id === state.view.force_reply_message_id,
      );
      if (asked && !answered && !state.replyTo) state.replyTo = asked;
    }
  }

  async function selectChat(chatId) {
    const chat = chatById(chatId);
    if (!chat) return;
    if (chatId !== state.chatId) {
      state.replyTo = null;
      state.hashtag = null;
      state.stickToBottom = true;
    }
    state.chatId = chatId;
    state.unread[chatId] = 0;
    if (chat.type === "private" && chat.id !== state.personaId) {
      // Only the owner of a private chat can write in it.
      await switchPersona(chat.id, false);
      toast(t("switched", { name: fullName(chat) }));
    }
    try {
      await loadChat();
    } catch (error) {
      showError(error);
    }
    renderChats();
    renderChat();
  }

  async function switchPersona(personaId, reload = true) {
    const data = await api("/panel/api/persona", { json: { persona_id: personaId } });
    state.personaId = personaId;
    state.personas = data.personas;
    renderPersonas();
    const chat = chatById(state.chatId);
    if (reload && chat && chat.type === "private" && chat.id !== personaId) {
      await selectChat(personaId);
      return;
    }
    if (reload) {
      await loadChat();
      renderChats();
      renderChat();
    }
  }

  async function sendText(text) {
    if (state.chatId === null || !text.trim()) return;
    try {
      await api("/panel/api/send", {
        json: {
          persona_id: state.personaId,
          chat_id: state.chatId,
          text,
          reply_to: state.replyTo ? state.replyTo.message_id : null,
          ...hooks.sendExtras(),
        },
      });
      state.replyTo = null;
      renderComposer();
    } catch (error) {
      showError(error);
    }
  }

  async function sendComposer(event) {
    event.preventDefault();
    const input = byId("composer-input");
    const text = input.value;
    if (state.files.length) {
      const form = new FormData();
      form.append("persona_id", String(state.personaId));
      form.append("chat_id", String(state.chatId));
      if (text.trim()) form.append("caption", text);
      if (state.replyTo) form.append("reply_to", String(state.replyTo.message_id));
      if (byId("send-as-file").checked) form.append("as_file", "1");
      for (const [key, value] of Object.entries(hooks.sendExtras())) form.append(key, String(value));
      for (const file of state.files) form.append("file", file, file.name);
      try {
        await api("/panel/api/upload", { form });
        input.value = "";
        clearFiles();
        state.replyTo = null;
        renderComposer();
      } catch (error) {
        showError(error);
      }
      return;
    }
    if (!text.trim()) return;
    input.value = "";
    autosize();
    await sendText(text);
  }

  function clearFiles() {
    state.files = [];
    byId("attach-input").value = "";
    byId("send-as-file").checked = false;
  }

  async function pressInline(buttonNode, message, button) {
    if (button.web_app && hooks.openWebApp) {
      hooks.openWebApp(button.web_app.url, chatById(state.chatId));
      return;
    }
    if (button.callback_data !== undefined) {
      buttonNode.disabled = true;
      try {
        await api("/panel/api/press", {
          json: {
            persona_id: state.personaId,
            chat_id: state.chatId,
            message_id: message.message_id,
            data: button.callback_data,
          },
        });
      } catch (error) {
        showError(error);
      } finally {
        setTimeout(() => {
          buttonNode.disabled = false;
        }, 400);
      }
      return;
    }
    if (button.url) await openUrl(button.url);
  }

  async function openUrl(url, personaId = state.personaId) {
    try {
      const result = await api("/panel/api/open_url", { json: { persona_id: personaId, url } });
      if (result.handled) {
        await loadState();
        await selectChat(result.chat_id);
        return;
      }
    } catch (error) {
      showError(error);
      return;
    }
    window.open(url, "_blank", "noopener");
  }

  function toast(text) {
    const node = byId("toast");
    node.textContent = text;
    node.classList.remove("hidden");
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => node.classList.add("hidden"), 3500);
  }

  function alertDialog(title, text) {
    byId("alert-title").textContent = title;
    byId("alert-text").textContent = text;
    byId("alert-backdrop").classList.remove("hidden");
    byId("alert-ok").focus();
  }

  function showChatAction(event) {
    if (event.chat_id !== state.chatId) return;
    const name = state.bot ? state.bot.first_name : "bot";
    const key = event.action === "typing" ? "typing" : event.action.startsWith("upload") ? "uploading" : "acting";
    const node = byId("chat-action");
    node.textContent = t(key, { name, action: event.action });
    clearTimeout(state.actionTimer);
    state.actionTimer = setTimeout(() => {
      node.textContent = "";
    }, 5000);
  }

  // --- live events ---------------------------------------------------------------------------

  function upsertMessage(message) {
    if (!state.view) return;
    const index = state.view.messages.findIndex((m) => m.message_id === message.message_id);
    if (index >= 0) state.view.messages[index] = message;
    else state.view.messages.push(message);
  }

  function onMessageEvent(event) {
    state.previews[event.chat_id] = event.message;
    changeView(event.chat_id, () => upsertMessage(event.message));
    if (event.chat_id === state.chatId) {
      if (event.force_reply && event.message.from.id === (state.bot && state.bot.id)) {
        state.replyTo = event.message;
      }
      if (state.bot && event.message.from.id === state.bot.id) byId("chat-action").textContent = "";
      renderMessages();
      renderComposer();
    } else {
      state.unread[event.chat_id] = (state.unread[event.chat_id] || 0) + 1;
    }
    renderChats();
  }

  function onEditEvent(event) {
    changeView(event.chat_id, () => {
      upsertMessage(event.message);
      // Messages quoting the edited one show the new text as well.
      for (const message of state.view.messages) {
        if (message.reply_to_message && message.reply_to_message.message_id === event.message.message_id) {
          const quoted = Object.assign({}, event.message);
          delete quoted.reply_to_message;
          message.reply_to_message = quoted;
        }
      }
    });
    if (event.chat_id === state.chatId && state.view) renderMessages();
  }

  function onDeleteEvent(event) {
    changeView(event.chat_id, () => {
      state.view.messages = state.view.messages.filter((m) => !event.message_ids.includes(m.message_id));
    });
    if (event.chat_id === state.chatId && state.view) renderMessages();
  }

  function onCallbackAnswer(event) {
    const who = persona(event.user_id);
    const name = who ? fullName(who) : String(event.user_id);
    if (event.text) {
      if (event.show_alert) alertDialog(t("answerFor", { name }), event.text);
      else toast(event.user_id === state.personaId ? event.text : `${name}: ${event.text}`);
    }
    if (event.url) openUrl(event.url, event.user_id);
  }

  function renderConnection() {
    const status = byId("connection-state");
    status.textContent = state.connected ? t("live") : t(state.everConnected ? "reconnecting" : "connecting");
    status.classList.toggle("ok", state.connected);
  }

  function connectEvents() {
    const source = new EventSource("/panel/api/events");
    source.addEventListener("open", async () => {
      state.connected = true;
      state.everConnected = true;
      renderConnection();
      try {
        await loadState();
        await loadChat();
        renderPersonas();
        renderChats();
        renderChat();
      } catch (error) {
        showError(error);
      }
    });
    source.addEventListener("error", () => {
      state.connected = false;
      renderConnection();
    });
    const handlers = {
      message: onMessageEvent,
      edit: onEditEvent,
      delete: onDeleteEvent,
      callback_answer: onCallbackAnswer,
      chat_action: showChatAction,
      keyboard: async (event) => {
        if (event.chat_id !== state.chatId) return;
        await loadChat();
        renderComposer();
      },
      persona: async () => {
        await loadState();
        renderPersonas();
        renderChats();
        renderComposer();
      },
      commands: async () => {
        await loadChat();
        renderCommands();
      },
    };
    for (const [name, handler] of Object.entries(handlers)) {
      source.addEventListener(name, (message) => {
        try {
          Promise.resolve(handler(JSON.parse(message.data))).catch(showError);
        } catch (error) {
          showError(error);
        }
      });
    }
  }

  // --- wiring --------------------------------------------------------------------------------

  function autosize() {
    const input = byId("composer-input");
    input.style.height = "auto";
    input.style.height = `${Math.min(input.scrollHeight, 160)}px`;
  }

  function wire() {
    byId("composer").addEventListener("submit", sendComposer);
    byId("message-list").addEventListener("scroll", (event) => {
      const list = event.currentTarget;
      // Keep following new messages only while the reader is at the bottom.
      state.stickToBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
    });
    const input = byId("composer-input");
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        byId("composer").requestSubmit();
      }
    });
    input.addEventListener("input", autosize);
    byId("attach-input").addEventListener("change", (event) => {
      state.files = Array.from(event.target.files || []);
      renderComposer();
    });
    byId("attachments-clear").addEventListener("click", () => {
      clearFiles();
      renderComposer();
    });
    byId("reply-cancel").addEventListener("click", () => {
      state.replyTo = null;
      renderMessages();
      renderComposer();
    });
    byId("persona-select").addEventListener("change", (event) => {
      switchPersona(Number(event.target.value)).catch(showError);
    });
    byId("lang-select").addEventListener("change", (event) => {
      state.lang = event.target.value;
      applyLang();
    });
    byId("flood-toggle").addEventListener("change", (event) => {
      api("/panel/api/flood", { json: { enabled: event.target.checked } }).catch(showError);
    });
    byId("start-button").addEventListener("click", () => sendText("/start"));
    byId("commands-button").addEventListener("click", () => {
      byId("commands-popup").classList.toggle("hidden");
    });
    byId("hashtag-filter-clear").addEventListener("click", () => setHashtagFilter(null));
    byId("alert-ok").addEventListener("click", () => byId("alert-backdrop").classList.add("hidden"));
    document.addEventListener("click", (event) => {
      if (!event.target.closest(".commands-wrap")) byId("commands-popup").classList.add("hidden");
    });
  }

  async function init() {
    wire();
    try {
      await loadState();
      await loadChat();
    } catch (error) {
      showError(error);
    }
    applyLang();
    connectEvents();
  }

  window.EmulatorPanel = {
    state,
    hooks,
    api,
    showError,
    rerender: renderChat,
    reload: async () => {
      await loadChat();
      renderChat();
    },
  };
  init();
})();

// Chat panel add-on: a forum's topics shown as threads, and the inline-query box (@bot query).
(() => {
  "use strict";

  const panel = window.EmulatorPanel;
  if (!panel) return;

  const TEXTS = {
    en: {
      general: "General",
      closed: "closed",
      created: "🧵 Topic created: {name}",
      edited: "✏️ Topic renamed: {name}",
      closedTopic: "🔒 Topic closed",
      reopened: "🔓 Topic reopened",
      inline: "Inline query as the current persona, e.g. TB1001",
      noResults: "No results",
      more: "More results",
      waiting: "Waiting for the bot…",
    },
    zh: {
      general: "综合",
      closed: "已关闭",
      created: "🧵 已创建话题：{name}",
      edited: "✏️ 话题已改名：{name}",
      closedTopic: "🔒 话题已关闭",
      reopened: "🔓 话题已重新打开",
      inline: "以当前身份进行内联查询，例如 TB1001",
      noResults: "没有结果",
      more: "更多结果",
      waiting: "等待机器人回应…",
    },
  };

  const local = { chatId: null, thread: null, results: [], queryId: null, nextOffset: "", query: "" };

  function tr(key, vars = {}) {
    const table = TEXTS[panel.state.lang] || TEXTS.en;
    let text = table[key] !== undefined ? table[key] : TEXTS.en[key];
    for (const [name, value] of Object.entries(vars)) text = text.split(`{${name}}`).join(String(value));
    return text;
  }

  function node(tag, attrs = {}, children = []) {
    const element = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null) continue;
      if (key === "class") element.className = value;
      else if (key === "text") element.textContent = value;
      else if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
      else element.setAttribute(key, String(value));
    }
    element.append(...children);
    return element;
  }

  function topics() {
    const view = panel.state.view;
    return view && Array.isArray(view.topics) ? view.topics : [];
  }

  // The thread being read in the current chat: null is the General topic.
  function currentThread() {
    if (local.chatId !== panel.state.chatId) {
      local.chatId = panel.state.chatId;
      local.thread = null;
    }
    if (local.thread !== null && !topics().some((topic) => topic.message_thread_id === local.thread)) {
      local.thread = null;
    }
    return local.thread;
  }

  function serviceText(message) {
    if (message.forum_topic_created) return tr("created", { name: message.forum_topic_created.name });
    if (message.forum_topic_edited) return tr("edited", { name: message.forum_topic_edited.name || "" });
    if (message.forum_topic_closed) return tr("closedTopic");
    if (message.forum_topic_reopened) return tr("reopened");
    return null;
  }

  // --- topics as threads -------------------------------------------------------------------

  panel.hooks.visibleMessages = (messages) => {
    if (!topics().length) return messages;
    const thread = currentThread();
    return messages
      .filter((message) => (message.message_thread_id ?? null) === thread)
      .map((message) => {
        const text = serviceText(message);
        return text === null ? message : { ...message, text, entities: [], service: true };
      });
  };

  panel.hooks.sendExtras = () => {
    const thread = topics().length ? currentThread() : null;
    return thread === null ? {} : { thread_id: thread };
  };

  const bar = node("div", { class: "topic-bar hidden", "data-testid": "topic-bar" });
  document.getElementById("message-list").before(bar);

  function chip(label, thread, closed) {
    const selected = currentThread() === thread;
    const testid = thread === null ? "topic-general" : `topic-${thread}`;
    return node(
      "button",
      {
        type: "button",
        class: `topic-chip${selected ? " selected" : ""}${closed ? " closed" : ""}`,
        "data-testid": testid,
        title: closed ? `${label} (${tr("closed")})` : label,
        onclick: () => {
          local.thread = thread;
          panel.rerender();
        },
      },
      [closed ? `🔒 ${label}` : label],
    );
  }

  function renderBar() {
    const list = topics();
    bar.replaceChildren();
    bar.classList.toggle("hidden", !list.length);
    if (!list.length) return;
    bar.append(chip(tr("general"), null, false));
    for (const topic of list) bar.append(chip(topic.name, topic.message_thread_id, topic.is_closed));
  }

  panel.hooks.afterRender = () => {
    renderBar();
    renderInline();
  };

  const events = new EventSource("/panel/api/events");
  for (const name of ["topic", "topic_deleted"]) {
    events.addEventListener(name, (message) => {
      const event = JSON.parse(message.data);
      if (event.chat_id === panel.state.chatId) panel.reload().catch(panel.showError);
    });
  }

  // --- the inline-query box ----------------------------------------------------------------

  const input = node("input", { type: "search", class: "inline-input", "data-testid": "inline-input" });
  const results = node("div", { class: "inline-results hidden", "data-testid": "inline-results" });
  const box = node("form", { class: "inline-box", "data-testid": "inline-box" }, [
    node("span", { class: "inline-bot", "data-testid": "inline-bot" }),
    input,
    results,
  ]);
  document.getElementById("composer").before(box);

  function renderInline() {
    const bot = panel.state.bot;
    box.querySelector(".inline-bot").textContent = bot ? `@${bot.username}` : "@bot";
    input.placeholder = tr("inline");
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function ask(query, offset) {
    const asked = await panel.api("/panel/api/inline", {
      json: { persona_id: panel.state.personaId, chat_id: panel.state.chatId, query, offset },
    });
    for (let attempt = 0; attempt < 40; attempt += 1) {
      const answer = await panel.api(`/panel/api/inline/${asked.query_id}`);
      if (answer.answered) return answer;
      await sleep(250);
    }
    throw new Error(tr("waiting"));
  }

  function showResults() {
    results.replaceChildren();
    results.classList.remove("hidden");
    if (!local.results.length) {
      results.append(node("div", { class: "inline-empty", text: tr("noResults") }));
      return;
    }
    for (const { queryId, result } of local.results) {
      results.append(
        node(
          "button",
          {
            type: "button",
            class: "inline-result",
            "data-testid": "inline-result",
            onclick: () => choose(queryId, result).catch(panel.showError),
          },
          [
            node("div", { class: "inline-title", text: result.title || "" }),
            node("div", { class: "inline-description", text: result.description || "" }),
          ],
        ),
      );
    }
    if (local.nextOffset) {
      results.append(
        node("button", {
          type: "button",
          class: "inline-more",
          "data-testid": "inline-more",
          text: tr("more"),
          onclick: () => search(local.query, local.nextOffset).catch(panel.showError),
        }),
      );
    }
  }

  async function search(query, offset = "") {
    results.classList.remove("hidden");
    results.replaceChildren(node("div", { class: "inline-empty", text: tr("waiting") }));
    const answer = await ask(query, offset);
    const found = answer.results.map((result) => ({ queryId: answer.id, result }));
    local.results = offset ? [...local.results, ...found] : found;
    local.nextOffset = answer.next_offset;
    local.query = query;
    showResults();
  }

  async function choose(queryId, result) {
    await panel.api("/panel/api/inline/choose", {
      json: {
        persona_id: panel.state.personaId,
        chat_id: panel.state.chatId,
        query_id: queryId,
        result_id: result.id,
        ...panel.hooks.sendExtras(),
      },
    });
    local.results = [];
    input.value = "";
    results.classList.add("hidden");
  }

  box.addEventListener("submit", (event) => {
    event.preventDefault();
    search(input.value, "").catch(panel.showError);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") results.classList.add("hidden");
  });
})();

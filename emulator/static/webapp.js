// Chat panel add-on: Mini Apps. A web_app button, or a private chat's menu button set by the
// bot (setChatMenuButton), opens the app in a side pane with initData the emulator signs for
// the current persona exactly as Telegram does (POST /panel/api/web_app).
(() => {
  "use strict";

  const panel = window.EmulatorPanel;
  if (!panel) return;

  const pane = document.createElement("aside");
  pane.className = "webapp-pane hidden";
  pane.dataset.testid = "webapp-pane";
  const head = document.createElement("div");
  head.className = "webapp-head";
  const title = document.createElement("span");
  title.className = "webapp-title";
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "✕";
  close.dataset.testid = "webapp-close";
  close.addEventListener("click", () => {
    pane.classList.add("hidden");
    frame.src = "about:blank";
  });
  head.append(title, close);
  const frame = document.createElement("iframe");
  frame.dataset.testid = "webapp-frame";
  frame.title = "Mini App";
  pane.append(head, frame);
  document.body.append(pane);

  const dark = () => window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;

  async function open(url, chatType, label) {
    try {
      const answer = await panel.api("/panel/api/web_app", {
        json: { persona_id: panel.state.personaId, url, chat_type: chatType || null, theme: dark() ? "dark" : "light" },
      });
      const who = panel.state.personas.find((p) => p.id === panel.state.personaId);
      title.textContent = `${label || "Mini App"} · ${who ? who.first_name : ""}`;
      frame.src = answer.url;
      pane.classList.remove("hidden");
    } catch (error) {
      panel.showError(error);
    }
  }

  panel.hooks.openWebApp = (url, chat) => open(url, chat ? chat.type : null);

  const menus = new Map();
  async function menuButton(chatId) {
    const known = menus.get(chatId);
    if (known && Date.now() - known.at < 5000) return known.button;
    const response = await fetch(`/panel/api/menu_button/${chatId}`);
    const button = response.ok ? await response.json() : { type: "commands" };
    menus.set(chatId, { at: Date.now(), button });
    return button;
  }

  const previous = panel.hooks.afterRender;
  panel.hooks.afterRender = () => {
    previous();
    const chat = panel.state.chats.find((c) => c.id === panel.state.chatId);
    const existing = document.querySelector("[data-testid=webapp-menu-button]");
    if (!chat || chat.type !== "private") {
      if (existing) existing.remove();
      return;
    }
    menuButton(chat.id).then((button) => {
      let node = document.querySelector("[data-testid=webapp-menu-button]");
      if (button.type !== "web_app" || !button.web_app) {
        if (node) node.remove();
        return;
      }
      if (!node) {
        node = document.createElement("button");
        node.type = "button";
        node.className = "menu-button webapp-menu";
        node.dataset.testid = "webapp-menu-button";
        const wrap = document.querySelector(".commands-wrap");
        wrap.parentNode.insertBefore(node, wrap);
      }
      node.textContent = button.text;
      node.onclick = () => open(button.web_app.url, null, button.text);
    }, () => {});
  };
})();

// The marketplace simulator's side of the chat panel: what the platform received from the
// shop's bot, its tickets and rulings, and a button that makes it send a collaborative work
// order. Shown only when the page is opened with ?marketplace=<the simulator's URL>
// (`ticketbot demo` prints that address); the simulator allows this page to read it.
(function () {
  "use strict";
  const base = new URLSearchParams(window.location.search).get("marketplace");
  if (!base || !/^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/.test(base)) return;

  const TEXTS = {
    en: {
      title: "🛒 Marketplace (platform)",
      send: "Send a collaborative work order",
      tickets: "Its work orders",
      received: "What it received",
      none: "Nothing yet.",
      replied: "replied",
      timedOut: "timed out",
      waiting: "waiting for the shop",
      accepted: "accepted",
      refused: "refused",
      files: "file(s)",
      ruling: "ruling",
      appeal: "appeal",
    },
    zh: {
      title: "🛒 电商平台（模拟）",
      send: "平台发起协同工单",
      tickets: "平台工单",
      received: "平台收到的答复",
      none: "暂无。",
      replied: "已答复",
      timedOut: "已超时",
      waiting: "等待商家答复",
      accepted: "已接收",
      refused: "已拒收",
      files: "个文件",
      ruling: "判责",
      appeal: "申诉",
    },
  };

  function t(key) {
    const select = document.getElementById("lang-select");
    const table = TEXTS[select && select.value === "zh" ? "zh" : "en"];
    return table[key];
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  const box = el("section", "marketplace");
  box.dataset.testid = "marketplace";
  const heading = el("div", "marketplace-title");
  const send = el("button", "marketplace-send");
  send.type = "button";
  send.dataset.testid = "marketplace-send";
  const tickets = el("ul", "marketplace-list");
  tickets.dataset.testid = "marketplace-tickets";
  const received = el("ul", "marketplace-list");
  received.dataset.testid = "marketplace-received";
  const ticketsTitle = el("div", "marketplace-subtitle");
  const receivedTitle = el("div", "marketplace-subtitle");
  box.append(heading, send, ticketsTitle, tickets, receivedTitle, received);
  // A column of its own beside the chat, so it never covers the composer.
  (document.querySelector(".layout") || document.body).append(box);

  function ticketLine(ticket) {
    let status = t("waiting");
    if (ticket.replied) status = `${t("replied")}: ${ticket.replied}`;
    else if (ticket.timed_out) status = t("timedOut");
    let line = `${ticket.id} · ${ticket.order_id} · ${status}`;
    if (ticket.verdict) line += ` · ⚖️ ${t("ruling")}: ${ticket.verdict}`;
    if (ticket.appeal_result) line += ` · 📣 ${t("appeal")}: ${ticket.appeal_result}`;
    return el("li", "", line);
  }

  function receivedLine(item) {
    const verdict = item.accepted ? `✅ ${t("accepted")}` : `⛔ ${t("refused")}: ${item.error}`;
    const names = item.files.map((file) => `${file.file_name || "file"} (${file.size} B)`);
    const parts = [
      `${item.platform_ticket_id} · ${item.type}`,
      item.option_id || "",
      item.description ? `“${item.description}”` : "",
      `${item.files.length} ${t("files")}${names.length ? ": " + names.join(", ") : ""}`,
      verdict,
    ];
    const line = el("li", item.accepted ? "" : "refused", parts.filter(Boolean).join(" · "));
    line.title = `delivery ${item.delivery_id}`;
    return line;
  }

  function fill(list, items, render) {
    list.replaceChildren(...(items.length ? items.map(render) : [el("li", "empty", t("none"))]));
  }

  async function refresh() {
    heading.textContent = t("title");
    send.textContent = t("send");
    ticketsTitle.textContent = t("tickets");
    receivedTitle.textContent = t("received");
    try {
      const response = await fetch(`${base}/api/state`);
      const state = await response.json();
      fill(tickets, state.tickets.slice().reverse(), ticketLine);
      fill(received, state.received.slice().reverse(), receivedLine);
      box.classList.remove("offline");
    } catch (error) {
      box.classList.add("offline");
    }
  }

  send.addEventListener("click", async () => {
    send.disabled = true;
    try {
      await fetch(`${base}/api/tickets`, { method: "POST" });
    } finally {
      send.disabled = false;
      refresh();
    }
  });
  refresh();
  window.setInterval(refresh, 1500);
})();

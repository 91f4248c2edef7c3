// The workbench page: who I am, the views (My to-do, Team, Search), the filter in the URL,
// live counts and countdowns. The ticket page is in ticket.js, statistics in stats.js.
import { Api, ApiError, launchParams } from "./api.js";
import { el, formatLeft, setTexts, t } from "./ui.js";
import { showTicket } from "./ticket.js";
import { showStats } from "./stats.js";

const POLL_MS = 5000;
const TEAM_BUCKETS = [
  "overdue", "due_1h", "due_today", "later", "unassigned",
  "cancel_requested", "escalated", "appealed", "resolved_today",
];
const MINE_BUCKETS = ["overdue", "due_1h", "due_today", "later"];
const FILTER_KEYS = ["q", "kind", "status", "assignee", "creator", "from", "to", "sort"];

const state = { api: null, me: null, team: null, members: [], timer: null, loaded: 0, selected: new Set() };

function applyTheme(theme) {
  const root = document.documentElement;
  if (!theme) return;
  for (const [key, value] of Object.entries(theme)) {
    if (typeof value === "string") root.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
  }
  const bg = theme.bg_color || "";
  // A dark background: the page's own dark shades for what the theme does not give.
  if (bg && parseInt(bg.slice(1, 3), 16) + parseInt(bg.slice(3, 5), 16) + parseInt(bg.slice(5, 7), 16) < 384) {
    root.classList.add("dark");
  }
}

export function params() {
  return new URLSearchParams(window.location.search);
}

export function navigate(changes, { replace = false } = {}) {
  const next = params();
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") next.delete(key);
    else next.set(key, String(value));
  }
  const url = `${window.location.pathname}?${next}${window.location.hash}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  render();
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = message;
  box.className = `toast ${kind}`;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

export function app() {
  return state;
}

export function teamPath(suffix = "") {
  return `/api/app/teams/${state.team.id}${suffix}`;
}

function schedule(refresh) {
  clearInterval(state.timer);
  state.timer = setInterval(() => {
    if (document.hidden) return;
    refresh().then(
      () => { document.getElementById("live").textContent = `● ${t("wb.live")}`; },
      () => { document.getElementById("live").textContent = t("wb.error.network"); },
    );
  }, POLL_MS);
}

function tabs(current) {
  const nav = document.getElementById("tabs");
  nav.replaceChildren();
  const views = ["mine"];
  if (state.team.supervisor) views.push("team");
  views.push("search");
  if (state.team.supervisor) views.push("stats");
  for (const view of views) {
    const button = el("button", { class: view === current ? "tab on" : "tab", "data-testid": `tab-${view}` }, t(`wb.view.${view}`));
    button.addEventListener("click", () => navigate({ view, bucket: null, ticket: null, cursor: null }));
    nav.append(button);
  }
}

function ticketRow(ticket, now, selectable) {
  const row = el("article", { class: "ticket", "data-testid": "ticket", "data-number": ticket.number });
  const due = el("span", { class: "due", "data-due": ticket.due_at });
  updateDue(due, ticket, now);
  const head = el("div", { class: "line" },
    el("b", {}, ticket.tag), el("span", { class: "chip" }, ticket.kind_label),
    el("span", { class: `status s-${ticket.status}` }, ticket.status_label), due);
  const who = ticket.assignee ? ticket.assignee.name : t("wb.filter.unassigned");
  row.append(head,
    el("div", { class: "line sub" }, el("span", {}, ticket.order_id), el("span", {}, who)),
    el("div", { class: "desc" }, ticket.description));
  if (selectable) {
    const box = el("input", { type: "checkbox", class: "pick", "data-testid": `pick-${ticket.number}` });
    box.checked = state.selected.has(ticket.number);
    box.addEventListener("click", (event) => {
      event.stopPropagation();
      if (box.checked) state.selected.add(ticket.number); else state.selected.delete(ticket.number);
      renderBulkBar();
    });
    row.prepend(box);
  }
  row.addEventListener("click", () => navigate({ ticket: ticket.number }));
  row.ticket = ticket;
  return row;
}

function updateDue(node, ticket, now) {
  const waiting = ["open", "in_progress"].includes(ticket.status);
  if (!waiting) { node.textContent = ""; return; }
  if (ticket.held) { node.textContent = t("wb.on_hold"); node.className = "due"; return; }
  const left = new Date(ticket.due_at).getTime() - now;
  node.className = left <= 0 ? "due over" : left <= 3600e3 ? "due soon" : "due";
  node.textContent = left <= 0 ? t("wb.overdue_by", { over: formatLeft(-left) }) : t("wb.left", { left: formatLeft(left) });
}

function tick() {
  // The server's clock, carried forward by ours: countdowns agree with the buckets.
  const now = Date.now() + (state.skew || 0);
  for (const row of document.querySelectorAll("article.ticket")) {
    if (row.ticket) updateDue(row.querySelector(".due"), row.ticket, now);
  }
}

function filterForm(current) {
  const form = el("form", { class: "filters", "data-testid": "filters" });
  const input = (name, attrs = {}) => {
    const node = el("input", { name, value: current.get(name) || "", ...attrs });
    return el("label", {}, el("span", {}, t(`wb.filter.${name}`)), node);
  };
  const select = (name, options) => {
    const node = el("select", { name, "data-testid": `filter-${name}` });
    for (const [value, label] of options) {
      const option = el("option", { value }, label);
      if ((current.get(name) || "") === value) option.selected = true;
      node.append(option);
    }
    return el("label", {}, el("span", {}, t(`wb.filter.${name}`)), node);
  };
  const any = ["", t("wb.filter.any")];
  const people = state.members.map((m) => [String(m.id), m.name]);
  const search = el("input", { name: "q", type: "search", value: current.get("q") || "", placeholder: t("wb.search.placeholder"), "data-testid": "search" });
  form.append(
    search,
    select("kind", [any, ...state.kinds.map((k) => [k.name, k.label])]),
    select("status", [any, ...["open", "in_progress", "escalated", "appealed", "resolved", "closed", "cancelled"].map((s) => [s, t(`status.${s}`)])]),
    select("assignee", [any, ["none", t("wb.filter.unassigned")], ...people]),
    select("creator", [any, ...people]),
    input("from", { type: "date" }),
    input("to", { type: "date" }),
    select("sort", ["deadline", "newest", "oldest", "updated"].map((s) => [s, t(`wb.sort.${s}`)])),
  );
  const apply = () => {
    const data = new FormData(form);
    const changes = { cursor: null };
    for (const key of FILTER_KEYS) changes[key] = data.get(key) || null;
    navigate(changes, { replace: true });
  };
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
  return form;
}

function renderBulkBar() {
  const bar = document.getElementById("bulk");
  if (!bar) return;
  bar.hidden = state.selected.size === 0;
  bar.querySelector(".count").textContent = t("wb.bulk.selected", { count: state.selected.size });
}

async function listView(view) {
  const current = params();
  const main = document.getElementById("main");
  const buckets = view === "team" ? TEAM_BUCKETS : view === "mine" ? MINE_BUCKETS : [];
  const chips = el("div", { class: "buckets", "data-testid": "buckets" });
  const list = el("section", { class: "list", "data-testid": "list" });
  const more = el("button", { class: "more", hidden: true, "data-testid": "more" }, t("wb.list.more"));
  const total = el("p", { class: "hint", "data-testid": "total" });
  const parts = [];
  if (buckets.length) parts.push(chips);
  if (view === "search") parts.push(filterForm(current));
  if (view === "search" && state.team.supervisor) parts.push(exportBar(current));
  const selectable = view !== "mine" && state.team.supervisor;
  if (selectable) parts.push(bulkBar());
  parts.push(total, list, more);
  main.replaceChildren(...parts);
  renderBulkBar();

  const query = () => {
    const q = { view: view === "mine" ? "mine" : "team" };
    for (const key of [...FILTER_KEYS, "bucket"]) if (current.get(key)) q[key] = current.get(key);
    return q;
  };
  const refreshCounts = async () => {
    if (!buckets.length) return;
    const data = await state.api.get(teamPath("/counts"), { view: view === "mine" ? "mine" : "team" });
    chips.replaceChildren();
    for (const bucket of buckets) {
      const on = current.get("bucket") === bucket;
      const chip = el("button", { class: `bucket b-${bucket}${on ? " on" : ""}`, "data-testid": `bucket-${bucket}` },
        el("span", {}, t(`wb.bucket.${bucket}`)), el("b", { "data-testid": `count-${bucket}` }, String(data.counts[bucket] ?? 0)));
      chip.addEventListener("click", () => navigate({ bucket: on ? null : bucket }, { replace: true }));
      chips.append(chip);
    }
  };
  const load = async (cursor, limit) => {
    const q = query();
    if (cursor) q.cursor = cursor;
    if (limit) q.limit = String(limit);
    const data = await state.api.get(teamPath("/tickets"), q);
    state.skew = new Date(data.now).getTime() - Date.now();
    const now = Date.now() + state.skew;
    const rows = data.tickets.map((ticket) => ticketRow(ticket, now, selectable));
    if (cursor) list.append(...rows); else list.replaceChildren(...rows);
    if (!list.children.length) list.append(el("p", { class: "hint", "data-testid": "empty" }, t("wb.list.empty")));
    total.textContent = t("wb.list.total", { count: data.total });
    more.hidden = !data.next;
    more.onclick = () => load(data.next).catch(showError);
    state.loaded = list.querySelectorAll("article.ticket").length;
  };
  await Promise.all([refreshCounts(), load()]);
  schedule(async () => { await refreshCounts(); await load(null, Math.max(50, state.loaded)); });
}

function exportBar(current) {
  const status = el("span", { class: "hint", "data-testid": "export-progress" });
  const download = async (format) => {
    const q = new URLSearchParams({ format, view: "team" });
    for (const key of [...FILTER_KEYS, "bucket"]) if (current.get(key)) q.set(key, current.get(key));
    const response = await fetch(`${teamPath("/export")}?${q}`, { headers: state.api.headers(), credentials: "same-origin" });
    if (!response.ok) throw new ApiError(response.status, "http", response.statusText);
    // Read it piece by piece, so the page can say how much has arrived.
    const reader = response.body.getReader();
    const chunks = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
      status.textContent = t("wb.export.progress", { size: `${Math.ceil(size / 1024)} KB` });
    }
    const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
    const link = el("a", { href: URL.createObjectURL(new Blob(chunks)), download: name ? name[1] : `tickets.${format}` });
    link.click();
  };
  const button = (format) => {
    const node = el("button", { "data-testid": `export-${format}` }, t(`wb.export.${format}`));
    node.addEventListener("click", () => download(format).catch(showError));
    return node;
  };
  return el("div", { class: "exports" }, button("csv"), button("xlsx"), status);
}

function bulkBar() {
  const bar = el("div", { id: "bulk", class: "bulkbar", hidden: true, "data-testid": "bulk" }, el("span", { class: "count" }));
  const assignee = el("select", { "data-testid": "bulk-assignee" }, ...state.members.map((m) => el("option", { value: m.id }, m.name)));
  const reason = el("input", { placeholder: t("wb.prompt.text"), "data-testid": "bulk-text" });
  const results = el("ul", { class: "results", "data-testid": "bulk-results" });
  const run = async (action, extra = {}) => {
    const numbers = [...state.selected];
    if (action === "cancel" && !window.confirm(t("wb.prompt.sure_cancel"))) return;
    const data = await state.api.post(teamPath("/bulk"), { numbers, action, text: reason.value || null, ...extra });
    results.replaceChildren(...data.results.map((r) => el("li", { class: r.ok ? "ok" : "bad" }, `T${r.number}: ${r.ok ? t("wb.bulk.ok") : r.message}`)));
    state.selected.clear();
    render();
  };
  const button = (key, action, extra) => {
    const node = el("button", { "data-testid": `bulk-${action}` }, t(key));
    node.addEventListener("click", () => run(action, extra ? extra() : {}).catch(showError));
    return node;
  };
  bar.append(assignee, reason,
    button("wb.bulk.reassign", "transfer", () => ({ assignee: Number(assignee.value) })),
    button("wb.bulk.cancel", "cancel"), button("wb.bulk.approve", "approve_cancel"), button("wb.bulk.reject", "reject_cancel"));
  return el("div", {}, bar, results);
}

export function showError(error) {
  if (error instanceof ApiError && error.status === 401) {
    document.getElementById("main").replaceChildren(el("p", { class: "hint", "data-testid": "signed-out" }, t("wb.error.signed_out")));
    clearInterval(state.timer);
    return;
  }
  toast(error.message || String(error), "bad");
}

export async function render() {
  clearInterval(state.timer);
  const current = params();
  const chosen = Number(current.get("team"));
  state.team = state.me.teams.find((team) => team.id === chosen) || state.me.teams[0];
  const view = current.get("view") || "mine";
  tabs(current.get("ticket") ? null : view);
  try {
    if (current.get("ticket")) await showTicket(Number(current.get("ticket")));
    else if (view === "stats") await showStats();
    else await listView(view === "team" && !state.team.supervisor ? "mine" : view);
  } catch (error) {
    showError(error);
  }
}

async function start() {
  const launch = launchParams();
  applyTheme(launch.theme);
  if (launch.webApp) { try { launch.webApp.ready(); launch.webApp.expand(); } catch (_) { /* outside Telegram */ } }
  state.api = new Api(launch.initData);
  try {
    state.me = await state.api.get("/api/app/me");
  } catch (error) {
    await setTexts((navigator.language || "en").startsWith("zh") ? "zh" : "en");
    document.getElementById("main").replaceChildren(el("p", { class: "hint", "data-testid": "signed-out" }, t("wb.error.signed_out")));
    return;
  }
  state.api.csrf = state.me.csrf;
  await setTexts(state.me.language);
  document.documentElement.lang = state.me.language === "zh" ? "zh-CN" : "en";
  document.getElementById("title").textContent = t("wb.title");
  const team = params().get("team") ? Number(params().get("team")) : state.me.teams[0].id;
  state.team = state.me.teams.find((m) => m.id === team) || state.me.teams[0];
  const members = await state.api.get(teamPath("/members"));
  state.members = members.members;
  state.kinds = state.me.kinds || [];
  if (state.me.teams.length > 1) {
    // Someone in several teams picks one; the choice is part of the URL like the filter.
    const select = document.getElementById("team");
    for (const team of state.me.teams) {
      const option = el("option", { value: team.id }, team.name);
      option.selected = team.id === state.team.id;
      select.append(option);
    }
    select.hidden = false;
    select.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.search = `?team=${select.value}`;
      window.location.assign(url.toString());
    });
  }
  window.addEventListener("popstate", render);
  setInterval(tick, 1000);
  await render();
}

start();

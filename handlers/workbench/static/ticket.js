// A ticket's page: its fields, evidence you can see, timeline, and the actions the viewer may
// take (the server offers only those, and refuses the others anyway).
import { app, navigate, showError, teamPath, toast } from "./app.js";
import { ApiError } from "./api.js";
import { el, formatLeft, formatTime, t } from "./ui.js";

const POLL_MS = 5000;
const WITH_ASSIGNEE = new Set(["transfer"]);
const CONFIRM = new Set(["cancel"]);
//  What the last upload said, kept across the page's re-renders (a re-render waits while one runs).
const upload = { number: null, text: "", busy: false };

function field(key, value, testid) {
  return el("div", { class: "field" }, el("span", { class: "label" }, t(key)), el("span", { "data-testid": testid }, value));
}

async function thumbnail(item) {
  const state = app();
  const figure = el("figure", { class: "evidence", "data-testid": "evidence" });
  const caption = el("figcaption", {}, `${item.name || item.type} · ${item.by ? item.by.name : ""}`);
  if (item.type === "photo" || (item.mime || "").startsWith("image/")) {
    const image = el("img", { alt: item.name || "evidence", "data-testid": "evidence-image" });
    figure.append(image, caption);
    // The file comes through the bot with this page's credentials; Telegram's URL never shows.
    state.api.blob(item.url).then((blob) => {
      image.src = URL.createObjectURL(blob);
      image.addEventListener("click", () => figure.classList.toggle("big"));
    }, () => { image.alt = "⚠"; });
  } else {
    const link = el("a", { href: "#", "data-testid": "evidence-file" }, item.name || item.type);
    link.addEventListener("click", async (event) => {
      event.preventDefault();
      const blob = await state.api.blob(item.url);
      const url = URL.createObjectURL(blob);
      const save = el("a", { href: url, download: item.name || "evidence" });
      save.click();
    });
    figure.append(link, caption);
  }
  return figure;
}

function actionForm(ticket, action, refresh) {
  const state = app();
  const form = el("form", { class: "act", "data-testid": `form-${action}` });
  const needsText = ticket.needs_text.includes(action);
  const text = el("textarea", { name: "text", rows: 2, placeholder: t("wb.prompt.text"), required: needsText, "data-testid": "action-text" });
  if (WITH_ASSIGNEE.has(action)) {
    const select = el("select", { name: "assignee", "data-testid": "action-assignee" });
    for (const member of state.members) {
      if (ticket.assignee && member.id === ticket.assignee.id) continue;
      select.append(el("option", { value: member.id }, member.name));
    }
    form.append(el("label", {}, el("span", {}, t("wb.prompt.assignee")), select));
  }
  form.append(text);
  const confirm = el("button", { type: "submit", class: "primary", "data-testid": "action-confirm" }, t("wb.prompt.confirm"));
  const back = el("button", { type: "button", "data-testid": "action-back" }, t("wb.prompt.cancel"));
  back.addEventListener("click", () => form.remove());
  form.append(el("div", { class: "row" }, confirm, back));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (CONFIRM.has(action) && !window.confirm(t("wb.prompt.sure_cancel"))) return;
    const data = new FormData(form);
    const body = { action, stamp: ticket.stamp, text: data.get("text") || null };
    if (data.get("assignee")) body.assignee = Number(data.get("assignee"));
    confirm.disabled = true;
    try {
      await state.api.post(teamPath(`/tickets/${ticket.number}/actions`), body);
      toast(t("wb.done"), "ok");
    } catch (error) {
      // A stale page (409) says so and shows the ticket as it is now.
      if (error instanceof ApiError && error.status === 409) toast(error.message, "bad");
      else showError(error);
    }
    await refresh();
  });
  return form;
}

function uploader(ticket, refresh) {
  const state = app();
  const input = el("input", { type: "file", accept: "image/*,video/*,application/pdf,*/*", "data-testid": "upload" });
  const progress = el("span", { class: "hint", "data-testid": "upload-progress" }, upload.number === ticket.number ? upload.text : "");
  const say = (text) => { upload.number = ticket.number; upload.text = text; progress.textContent = text; };
  input.addEventListener("change", async () => {
    const file = input.files && input.files[0];
    if (!file) return;
    upload.busy = true;
    try {
      const data = await state.api.upload(teamPath(`/tickets/${ticket.number}/evidence`), file, (percent) => {
        say(t("wb.evidence.uploading", { percent }));
      });
      say(t("wb.evidence.uploaded", { count: data.count }));
    } catch (error) {
      say("");
      showError(error);
    } finally {
      upload.busy = false;
    }
    input.value = "";
    await refresh();
  });
  return el("label", { class: "upload" }, el("span", {}, t("wb.evidence.upload")), input, progress);
}

export async function showTicket(number) {
  const state = app();
  const main = document.getElementById("main");
  let shownStamp = null;
  let evidenceIds = "";
  const render = async () => {
    if (upload.busy) return;
    const ticket = await state.api.get(teamPath(`/tickets/${number}`));
    if (main.querySelector("form.act") && ticket.stamp === shownStamp) return; // someone is typing
    const zone = state.team.timezone;
    const now = Date.now() + (state.skew || 0);
    const left = new Date(ticket.due_at).getTime() - now;
    const due = `${formatTime(ticket.due_at, zone)}${["open", "in_progress"].includes(ticket.status) ? ` · ${left <= 0 ? t("wb.overdue_by", { over: formatLeft(-left) }) : t("wb.left", { left: formatLeft(left) })}` : ""}`;
    const back = el("button", { class: "back", "data-testid": "back" }, `← ${t("wb.back")}`);
    back.addEventListener("click", () => navigate({ ticket: null }));
    const fields = el("section", { class: "fields" },
      el("h2", { "data-testid": "ticket-title" }, `${ticket.tag} · ${ticket.kind_label}`),
      field("wb.field.status", ticket.status_label, "ticket-status"),
      field("wb.field.order", ticket.order_id, "ticket-order"),
      field("wb.field.assignee", ticket.assignee ? ticket.assignee.name : t("wb.filter.unassigned"), "ticket-assignee"),
      field("wb.field.creator", ticket.creator ? ticket.creator.name : "", "ticket-creator"),
      field("wb.field.created", formatTime(ticket.created_at, zone), "ticket-created"),
      field("wb.field.due", due, "ticket-due"),
      field("wb.field.description", ticket.description, "ticket-description"));
    if (ticket.cancel_request) {
      fields.append(el("p", { class: "warn", "data-testid": "cancel-request" }, t("wb.field.cancel_request", { who: ticket.cancel_request.by ? ticket.cancel_request.by.name : "", reason: ticket.cancel_request.reason })));
    }
    const actions = el("section", { class: "actions", "data-testid": "actions" }, el("h3", {}, t("wb.actions")));
    const buttons = el("div", { class: "buttons" });
    for (const action of ticket.actions) {
      const button = el("button", { "data-testid": `action-${action}` }, t(`wb.action.${action}`));
      button.addEventListener("click", () => {
        for (const open of actions.querySelectorAll("form.act")) open.remove();
        actions.append(actionForm(ticket, action, render));
      });
      buttons.append(button);
    }
    actions.append(buttons);
    const evidence = el("section", { class: "evidence-list", "data-testid": "evidence-list" }, el("h3", {}, `${t("wb.evidence")} (${ticket.evidence.length})`));
    const ids = ticket.evidence.map((item) => item.id).join(",");
    const oldGallery = main.querySelector(".gallery");
    let gallery;
    if (oldGallery && ids === evidenceIds) gallery = oldGallery; // keep loaded pictures
    else {
      gallery = el("div", { class: "gallery" });
      for (const item of ticket.evidence) gallery.append(await thumbnail(item));
      if (!ticket.evidence.length) gallery.append(el("p", { class: "hint" }, t("wb.evidence.none")));
    }
    evidenceIds = ids;
    evidence.append(gallery);
    if (ticket.may_add_evidence) evidence.append(uploader(ticket, render));
    const timeline = el("section", { class: "timeline", "data-testid": "timeline" }, el("h3", {}, t("wb.timeline")));
    const list = el("ol", {});
    for (const entry of ticket.timeline) {
      const item = el("li", { "data-testid": "event", "data-type": entry.type });
      item.innerHTML = entry.html; // the bot's own catalog text, its parameters escaped
      list.append(item);
    }
    timeline.append(list);
    shownStamp = ticket.stamp;
    main.replaceChildren(back, fields, actions, evidence, timeline);
  };
  await render();
  clearInterval(state.timer);
  state.timer = setInterval(() => { if (!document.hidden) render().catch(() => {}); }, POLL_MS);
}

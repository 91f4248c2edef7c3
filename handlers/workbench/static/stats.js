// Statistics of the team's last 30 days as plain SVG bars (no chart library needed).
import { app, teamPath } from "./app.js";
import { el, t } from "./ui.js";

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  return node;
}

function bars(title, rows, testid) {
  const height = 22;
  const width = 320;
  const max = Math.max(1, ...rows.map((row) => row.count));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${rows.length * height + 4}`, class: "chart", role: "img", "aria-label": title });
  rows.forEach((row, index) => {
    const y = index * height + 2;
    const label = svg("text", { x: 0, y: y + 15, class: "chart-label" });
    label.textContent = row.label;
    const bar = svg("rect", { x: 130, y: y + 3, width: Math.max(2, (150 * row.count) / max), height: height - 8, rx: 3, class: "chart-bar" });
    const value = svg("text", { x: 136 + (150 * row.count) / max, y: y + 15, class: "chart-value" });
    value.textContent = String(row.count);
    chart.append(label, bar, value);
  });
  return el("section", { class: "stat", "data-testid": testid }, el("h3", {}, title), chart);
}

function perDay(title, days) {
  const width = 340;
  const height = 140;
  const max = Math.max(1, ...days.map((d) => Math.max(d.opened, d.resolved)));
  const step = width / days.length;
  const bar = Math.max(1, step / 2 - 1);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height + 16}`, class: "chart", role: "img", "aria-label": title });
  days.forEach((day, index) => {
    const x = index * step;
    const opened = (height * day.opened) / max;
    const resolved = (height * day.resolved) / max;
    chart.append(
      svg("rect", { x, y: height - opened, width: bar, height: opened, class: "chart-bar" }),
      svg("rect", { x: x + bar, y: height - resolved, width: bar, height: resolved, class: "chart-bar2" }),
    );
  });
  for (const index of [0, days.length - 1]) {
    const label = svg("text", { x: index * step, y: height + 13, class: "chart-label" });
    label.textContent = days[index].day.slice(5);
    chart.append(label);
  }
  const legend = el("p", { class: "hint" }, el("span", { class: "key k1" }), ` ${t("wb.stats.opened")}  `, el("span", { class: "key k2" }), ` ${t("wb.stats.resolved")}`);
  return el("section", { class: "stat", "data-testid": "stat-per-day" }, el("h3", {}, title), chart, legend);
}

export async function showStats() {
  const state = app();
  const data = await state.api.get(teamPath("/stats"), { days: "30" });
  const share = data.resolved ? Math.round((100 * data.resolved_in_time) / data.resolved) : 0;
  const onTime = el("section", { class: "stat", "data-testid": "stat-on-time" },
    el("h3", {}, t("wb.stats.on_time")), el("p", { class: "big" }, `${share}%`),
    el("p", { class: "hint" }, `${data.resolved_in_time} / ${data.resolved}`));
  const median = el("section", { class: "stat", "data-testid": "stat-median" },
    el("h3", {}, t("wb.stats.median")), el("p", { class: "big" }, data.median_to_outcome || "—"));
  document.getElementById("main").replaceChildren(
    onTime,
    median,
    perDay(t("wb.stats.per_day"), data.days),
    bars(t("wb.stats.by_kind"), data.by_kind, "stat-by-kind"),
    bars(t("wb.stats.by_assignee"), data.by_assignee, "stat-by-assignee"),
  );
}

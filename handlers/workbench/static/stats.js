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

export async function showStats() {
  const state = app();
  const data = await state.api.get(teamPath("/stats"), { days: "30" });
  const share = data.resolved ? Math.round((100 * data.resolved_in_time) / data.resolved) : 0;
  const onTime = el("section", { class: "stat", "data-testid": "stat-on-time" },
    el("h3", {}, t("wb.stats.on_time")), el("p", { class: "big" }, `${share}%`),
    el("p", { class: "hint" }, `${data.resolved_in_time} / ${data.resolved}`));
  document.getElementById("main").replaceChildren(
    onTime,
    bars(t("wb.stats.by_kind"), data.by_kind, "stat-by-kind"),
    bars(t("wb.stats.by_assignee"), data.by_assignee, "stat-by-assignee"),
  );
}

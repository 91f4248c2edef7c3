// Small helpers: elements, texts from the catalogs, durations.

let texts = {};
let language = "en";

export async function setTexts(lang) {
  language = lang === "zh" ? "zh" : "en";
  const response = await fetch(`/api/app/texts/${language}`);
  texts = await response.json();
}

export function lang() {
  return language;
}

export function t(key, params = {}) {
  const template = texts[key] || key;
  return template.replace(/\{(\w+)\}/g, (_, name) => (name in params ? String(params[name]) : `{${name}}`));
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "class") node.className = value;
    else if (name === "value") node.value = value;
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function formatLeft(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const units = language === "zh" ? ["天", "小时", "分", "秒"] : ["d", "h", "m", "s"];
  const two = (n) => String(n).padStart(2, "0");
  if (days) return `${days}${units[0]} ${hours}${units[1]}`;
  if (hours) return `${hours}${units[1]} ${two(minutes)}${units[2]}`;
  return `${minutes}${units[2]} ${two(seconds)}${units[3]}`;
}

export function formatTime(iso, zone) {
  const options = { timeZone: zone, month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false };
  return new Intl.DateTimeFormat(language === "zh" ? "zh-CN" : "en-GB", options).format(new Date(iso));
}

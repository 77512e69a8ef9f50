// The one DOM helper and the formats every page shares: a clock for positions
// in a video ("1:05", "1:05.3"), a length in words ("1 min 5 s"), sizes in
// 1000-based units ("1.5 MB") and dates ("12 Mar 2026"). Nothing else may
// define its own el() or formatter (tests/js/ui.test.mjs checks these outputs).

/** A DOM element: attrs `class`, `text`, `dataset` (object), `on<event>`
 *  (functions), true/false/null booleans, anything else as an attribute;
 *  children are nodes, strings, numbers or (nested) arrays; null, undefined and
 *  false are skipped. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

const pad = (value) => String(value).padStart(2, "0");

/** A position in a video: "1:05", "1:02:03"; with {tenths: true} "1:05.3".
 *  Truncates (a playhead at 1:05.97 still reads 1:05). */
export function clock(seconds, { tenths = false } = {}) {
  const value = Number.isFinite(seconds) ? seconds : 0;
  const sign = value < 0 ? "-" : "";
  // Work in whole tenths so 59.99 never prints as "0:60.0".
  const total = Math.floor(Math.abs(value) * 10 + 1e-6);
  const whole = Math.floor(total / 10);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  const text = h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
  return `${sign}${text}${tenths ? `.${total % 10}` : ""}`;
}

/** How long something lasts, in words: "0.5 s", "5 s", "1 min 5 s", "1 h 2 min".
 *  Under 10 s one decimal is kept (a 4.5 s clip); from 10 s whole seconds. */
export function length(seconds) {
  const value = Math.max(0, Number.isFinite(seconds) ? seconds : 0);
  if (value < 10) {
    const tenths = Math.round(value * 10) / 10;
    if (tenths < 10) return `${Number.isInteger(tenths) ? tenths : tenths.toFixed(1)} s`;
  }
  const total = Math.round(value);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h) return m ? `${h} h ${m} min` : `${h} h`;
  if (m) return s ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

const UNITS = ["B", "KB", "MB", "GB", "TB"];

/** A size in 1000-based units: "950 B", "1.5 MB", "150 MB", "2.1 GB". */
export function bytes(count) {
  let value = Math.max(0, Number(count) || 0);
  let unit = 0;
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "12 Mar 2026" for a date ("2026-03-12", read as that calendar day) or a
 *  timestamp (read in the viewer's time zone); "" for nothing or nonsense. */
export function dateLabel(iso) {
  if (!iso) return "";
  const text = String(iso);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const date = new Date(day ? `${text}T12:00:00` : text);
  if (Number.isNaN(date.getTime())) return "";
  return `${date.getDate()} ${MONTHS[date.getMonth()]} ${date.getFullYear()}`;
}

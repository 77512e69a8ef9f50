// What the user sees of notifications: toasts, the bell with its unread badge,
// the history panel, progress of running tasks, and the connection marker.
// History and read state come from the REST API; the socket keeps them fresh.
//
// Toasts inform without covering: only events that happen while the page is
// open pop up (history replayed on a page load goes to the badge and panel;
// see notifications.js `history`), routine work (the server's `toast: false`:
// work starting, a clip cut) shows in the status bar only, and one event is one
// toast (a toast for a task replaces the one already showing for it).
// Where toasts sit is measured, not assumed: of a few corners (side by side, one
// toast tall), the first that covers no control of the page, else the one that
// covers least, the video least of all (placeToasts), again as the page scrolls
// or resizes. A phone shows one toast at a time, full width, above the bottom
// edge unless that covers the video; the page gets room to scroll clear of it.

import { api } from "./api.js";
import { dateLabel, el } from "./ui.js";

const MAX_VISIBLE_TOASTS = 3;
const MAX_VISIBLE_ON_PHONE = 1;
const PROGRESS_LINGER_MS = 1500;
const CUTS_ROW = "clip-cuts";
const CORNERS = ["top-right", "bottom-left", "bottom-right", "top-left"];
const PHONE_CORNERS = ["bottom", "top"];
const PHONE = "(max-width: 600px)";
// What a toast must not cover: anything on the page a person edits with.
const CONTROLS = "button, a[href], input, select, textarea, video, canvas, [role=slider], [tabindex]";
const MEDIA_WEIGHT = 10; // covering the video is worse than covering a button
// Covering a card's text is better than covering a control, worse than covering nothing.
const PANELS = ".card, .panel, section, aside";
const PANEL_WEIGHT = 0.05;

function overlapArea(a, b) {
  const width = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return width > 0 && height > 0 ? width * height : 0;
}

export function timeAgo(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return dateLabel(iso);
}

const severity = (type) =>
  type.endsWith("_failed") || type === "error"
    ? "error"
    : type === "warning"
      ? "warning"
      : type.endsWith("_complete")
        ? "success"
        : "info";

export class NotificationCenter {
  constructor(client, { root = document } = {}) {
    this.client = client;
    this.root = root;
    const open = (payload) => (window.highlights?.navigate ? window.highlights.navigate(payload.url) : window.location.assign(payload.url));
    this.actions = new Map([["open_url", open]]);
    this.visibleToasts = [];
    this.queuedToasts = [];
    this.progressRows = new Map(); // key (a task id, or CUTS_ROW) -> row
    this.cuts = new Map(); // task id of a clip cut -> {progress, label}
    this.unread = 0;
  }

  registerAction(name, handler) {
    this.actions.set(name, handler);
  }

  mount() {
    this.bell = this.root.getElementById("notification-bell");
    this.badge = this.root.getElementById("notification-badge");
    this.panel = this.root.getElementById("notification-panel");
    this.list = this.root.getElementById("notification-list");
    this.toasts = this.root.getElementById("toasts");
    this.statusBar = this.root.getElementById("status-bar");
    this.marker = this.root.getElementById("connection-state");

    this.bell.addEventListener("click", () => this.togglePanel());
    this.root.getElementById("notification-read-all").addEventListener("click", () => this.markAllRead());
    this.root.getElementById("notification-clear").addEventListener("click", () => this.clearHistory());
    this.root.getElementById("notification-close").addEventListener("click", () => this.togglePanel(false));
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.togglePanel(false);
    });

    this.client.onState((state) => this.showConnection(state));
    this.client.subscribe("*", (message) => this.onMessage(message));
    this.client.subscribe("ready", (message) => this.setUnread(message.unread_count));
    this.client.subscribe("unread_count", (message) => {
      this.setUnread(message.unread_count);
      if (!this.panel.hidden) this.loadHistory();
    });
    this.client.subscribe("resync", () => this.loadHistory());

    let pending = false;
    const place = () => {
      if (pending || !this.visibleToasts.length) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        this.placeToasts();
      });
    };
    window.addEventListener("scroll", place, { passive: true });
    window.addEventListener("resize", place);
    document.addEventListener("page-mounted", place);
  }

  onMessage(message) {
    if (!message.id || message.type === "changed") return; // control messages; "changed" carries a resource id
    if (message.type.endsWith("_progress")) {
      this.showProgress(message);
      return;
    }
    const taskId = message.data && message.data.task_id;
    if (taskId) this.finishProgress(taskId);
    const routine = message.toast === false; // stored already read
    if (!routine) this.setUnread(this.unread + 1);
    if (!this.panel.hidden) this.prependItem(message, routine);
    if (!routine && !message.history && document.visibilityState === "visible") this.toast(message);
  }

  // --- badge and panel --------------------------------------------------------

  setUnread(count) {
    this.unread = Math.max(0, count);
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.badge.hidden = this.unread === 0;
    this.bell.setAttribute("aria-label", `Notifications, ${this.unread} unread`);
  }

  togglePanel(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.bell.setAttribute("aria-expanded", String(open));
    if (open) this.loadHistory();
    this.placeToasts();
  }

  async loadHistory() {
    try {
      const page = await api("GET", "/api/notifications?limit=50");
      this.list.replaceChildren(...page.results.map((n) => this.item(n)));
      if (!page.results.length) this.list.append(el("li", { class: "empty" }, "Nothing yet."));
      const { unread_count } = await api("GET", "/api/notifications/unread-count");
      this.setUnread(unread_count);
    } catch (error) {
      this.list.replaceChildren(el("li", { class: "empty error" }, `Could not load notifications: ${error.message}`));
    }
  }

  prependItem(message, read = false) {
    this.list.querySelector(".empty")?.remove();
    this.list.prepend(this.item({ ...message, read_at: read ? message.timestamp : null }));
  }

  item(notification) {
    const node = el(
      "li",
      { class: `notification ${severity(notification.type)}${notification.read_at ? "" : " unread"}`, dataset: { id: notification.id } },
      el("div", { class: "title" }, notification.title),
      notification.message ? el("div", { class: "message" }, notification.message) : null,
      el("time", { datetime: notification.timestamp, class: "muted" }, timeAgo(notification.timestamp)),
      this.actionButtons(notification),
    );
    if (!notification.read_at) {
      node.append(el("button", { class: "link mark-read", onclick: () => this.markRead(notification.id, node) }, "Mark read"));
    }
    return node;
  }

  async markRead(id, node) {
    await api("POST", `/api/notifications/${id}/read`);
    node.classList.remove("unread");
    node.querySelector(".mark-read")?.remove();
    // The server pushes the new unread count to every tab, this one included.
  }

  async markAllRead() {
    await api("POST", "/api/notifications/read-all");
    this.loadHistory();
  }

  async clearHistory() {
    await api("DELETE", "/api/notifications");
    this.loadHistory();
  }

  // --- toasts -------------------------------------------------------------------

  /** A toast made here, not by the server: errors stay, the rest fade. `task`
   *  names the work it is about, so the server's word on it replaces it. */
  say(type, title, message = "", { task = null } = {}) {
    const lasting = type === "error" || type === "warning";
    this.toast({
      id: `local-${Date.now()}-${Math.random()}`, type, title, message, dismissible: true,
      auto_dismiss_ms: lasting ? null : 5000, actions: [], data: task ? { task_id: task } : {},
    });
  }

  toast(message) {
    const task = (message.data && message.data.task_id) || "";
    const same = task ? this.visibleToasts.find((node) => node.dataset.task === task) : null;
    if (task) this.queuedToasts = this.queuedToasts.filter((queued) => (queued.data || {}).task_id !== task);
    const most = window.matchMedia(PHONE).matches ? MAX_VISIBLE_ON_PHONE : MAX_VISIBLE_TOASTS;
    if (!same && this.visibleToasts.length >= most) {
      this.queuedToasts.push(message);
      return;
    }
    const kind = severity(message.type);
    const node = el(
      "div",
      { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status", dataset: { id: message.id, task } },
      el("div", { class: "title" }, message.title),
      message.message ? el("div", { class: "message", title: message.message }, message.message) : null,
      this.actionButtons(message, () => this.dismiss(node)),
      message.dismissible !== false ? el("button", { class: "close", "aria-label": "Dismiss", onclick: () => this.dismiss(node) }, "×") : null,
    );
    if (same) {
      // One event, one toast: the newer word on a task takes the older one's place.
      clearTimeout(same.timer);
      same.replaceWith(node);
      this.visibleToasts[this.visibleToasts.indexOf(same)] = node;
    } else {
      this.toasts.append(node);
      this.visibleToasts.push(node);
    }
    this.placeToasts();
    // Errors stay until closed; everything else fades after a few seconds.
    if (message.auto_dismiss_ms && kind !== "error") node.timer = setTimeout(() => this.dismiss(node), message.auto_dismiss_ms);
  }

  dismiss(node) {
    const index = this.visibleToasts.indexOf(node);
    if (index === -1) return;
    clearTimeout(node.timer);
    this.visibleToasts.splice(index, 1);
    node.remove();
    const next = this.queuedToasts.shift();
    if (next) this.toast(next);
    else this.placeToasts();
  }

  /** Put the toasts in the first corner that covers no control of the page (the
   *  open bell panel counts as one), else in the one that covers least. */
  placeToasts() {
    const box = this.toasts;
    if (!box) return;
    // Room below the page to scroll its last controls clear of the toasts (phones).
    const room = this.visibleToasts.length ? Math.ceil(box.getBoundingClientRect().height) + 16 : 0;
    document.documentElement.style.setProperty("--toast-room", `${room}px`);
    if (!this.visibleToasts.length) return;
    const phone = window.matchMedia(PHONE).matches;
    const margin = 8;
    const header = document.querySelector(".site-header");
    const above = [header, this.statusBar.hidden ? null : this.statusBar].filter(Boolean);
    const top = Math.max(0, ...above.map((node) => node.getBoundingClientRect().bottom)) + margin;
    box.style.setProperty("--toast-top", `${Math.round(top)}px`);
    const viewWidth = document.documentElement.clientWidth;
    const viewHeight = window.innerHeight;
    const obstacles = [];
    const page = document.getElementById("page");
    for (const node of page ? page.querySelectorAll(`${CONTROLS}, ${PANELS}`) : []) {
      const rect = node.getBoundingClientRect();
      const weight = node.matches(PANELS) ? PANEL_WEIGHT : node.matches("video, canvas") ? MEDIA_WEIGHT : 1;
      if (rect.width && rect.height && rect.bottom > 0 && rect.top < viewHeight) obstacles.push({ rect, weight });
    }
    if (!this.panel.hidden) obstacles.push({ rect: this.panel.getBoundingClientRect(), weight: MEDIA_WEIGHT });
    const { width, height } = box.getBoundingClientRect();
    let best = null;
    for (const corner of phone ? PHONE_CORNERS : CORNERS) {
      const left = corner.endsWith("right") ? viewWidth - margin - width : margin;
      const y = corner.startsWith("top") ? top : viewHeight - margin - height;
      const rect = { left, right: left + width, top: y, bottom: y + height };
      const covered = obstacles.reduce((sum, { rect: other, weight }) => sum + weight * overlapArea(rect, other), 0);
      if (!best || covered < best.covered) best = { corner, covered };
      if (!covered) break;
    }
    box.dataset.corner = best.corner;
  }

  actionButtons(notification, after = () => {}) {
    if (!notification.actions || !notification.actions.length) return null;
    return el(
      "div",
      { class: "actions" },
      ...notification.actions.map((action) =>
        el(
          "button",
          {
            class: "action",
            onclick: () => {
              const handler = this.actions.get(action.action);
              if (handler) handler(action.payload || {}, notification);
              else document.dispatchEvent(new CustomEvent("notification-action", { detail: { action, notification } }));
              after();
            },
          },
          action.label,
        ),
      ),
    );
  }

  // --- progress of running tasks -----------------------------------------------
  // One row a task in the status bar; clip cuts share one row ("Cutting 3 clips"),
  // as replacing a game's video cuts all its clips again.

  showProgress(message) {
    const taskId = message.data.task_id;
    if (message.type === "extraction_progress") {
      this.cuts.set(taskId, { progress: message.progress, label: message.message });
      this.showCuts();
    } else {
      const label = message.message ? `${message.title}: ${message.message}` : message.title;
      this.setRow(taskId, label, message.progress);
    }
    if (message.progress >= 100) this.finishProgress(taskId, PROGRESS_LINGER_MS);
  }

  showCuts() {
    const cuts = [...this.cuts.values()];
    if (!cuts.length) {
      this.removeRow(CUTS_ROW);
      return;
    }
    const progress = cuts.reduce((sum, cut) => sum + cut.progress, 0) / cuts.length;
    const label = cuts.length === 1 ? `Cutting a clip${cuts[0].label ? `: ${cuts[0].label}` : ""}` : `Cutting ${cuts.length} clips`;
    this.setRow(CUTS_ROW, label, progress);
  }

  setRow(key, label, progress) {
    let row = this.progressRows.get(key);
    if (!row) {
      row = el(
        "div",
        { class: "progress-row", dataset: { task: key } },
        el("span", { class: "label" }),
        el("progress", { max: "100" }),
        el("span", { class: "percent" }),
      );
      this.progressRows.set(key, row);
      this.statusBar.append(row);
    }
    row.querySelector(".label").textContent = label;
    row.title = label;
    row.querySelector("progress").value = progress;
    row.querySelector(".percent").textContent = `${Math.floor(progress)}%`; // 100 % only when done
    this.statusBar.hidden = false;
  }

  removeRow(key) {
    const row = this.progressRows.get(key);
    if (!row) return;
    row.remove();
    this.progressRows.delete(key);
    this.statusBar.hidden = this.progressRows.size === 0;
  }

  finishProgress(taskId, after = 0) {
    if (this.cuts.has(taskId)) {
      const cut = this.cuts.get(taskId);
      setTimeout(() => {
        if (this.cuts.get(taskId) !== cut) return; // cut again meanwhile
        this.cuts.delete(taskId);
        this.showCuts();
      }, after);
      return;
    }
    const row = this.progressRows.get(taskId);
    if (!row) return;
    setTimeout(() => {
      if (this.progressRows.get(taskId) === row) this.removeRow(taskId);
    }, after);
  }

  // --- connection -------------------------------------------------------------------

  showConnection(state) {
    const words = { reconnecting: "Reconnecting…", unauthenticated: "Signed out — log in again", connecting: "" };
    const text = words[state] || "";
    this.marker.textContent = text;
    this.marker.hidden = !text;
    this.marker.dataset.state = state;
  }
}

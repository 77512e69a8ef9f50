// What the user sees of notifications: toasts, the bell with its unread badge,
// the history panel, progress of running tasks, and the connection marker.
// History and read state come from the REST API; the socket keeps them fresh.

import { api } from "./api.js";

const MAX_VISIBLE_TOASTS = 5;
const PROGRESS_LINGER_MS = 1500;

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

export function timeAgo(iso, now = Date.now()) {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 45) return "just now";
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return new Date(iso).toLocaleDateString();
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
    this.progressRows = new Map();
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
  }

  onMessage(message) {
    if (!message.id || message.type === "changed") return; // control messages; "changed" carries a resource id
    if (message.type.endsWith("_progress")) {
      this.showProgress(message);
      return;
    }
    const taskId = message.data && message.data.task_id;
    if (taskId) this.finishProgress(taskId);
    this.setUnread(this.unread + 1);
    if (!this.panel.hidden) this.prependItem(message);
    if (document.visibilityState === "visible") this.toast(message);
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

  prependItem(message) {
    this.list.querySelector(".empty")?.remove();
    this.list.prepend(this.item({ ...message, read_at: null }));
  }

  item(notification) {
    const node = el(
      "li",
      { class: `notification ${severity(notification.type)}${notification.read_at ? "" : " unread"}`, "data-id": notification.id },
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

  /** A toast made here, not by the server: errors stay, the rest fade. */
  say(type, title, message = "") {
    const lasting = type === "error" || type === "warning";
    this.toast({
      id: `local-${Date.now()}-${Math.random()}`, type, title, message, dismissible: true,
      auto_dismiss_ms: lasting ? null : 5000, actions: [],
    });
  }

  toast(message) {
    if (this.visibleToasts.length >= MAX_VISIBLE_TOASTS) {
      this.queuedToasts.push(message);
      return;
    }
    const node = el(
      "div",
      { class: `toast ${severity(message.type)}`, role: severity(message.type) === "error" ? "alert" : "status", "data-id": message.id },
      el("div", { class: "title" }, message.title),
      message.message ? el("div", { class: "message" }, message.message) : null,
      this.actionButtons(message, () => this.dismiss(node)),
      message.dismissible ? el("button", { class: "close", "aria-label": "Dismiss", onclick: () => this.dismiss(node) }, "×") : null,
    );
    this.toasts.append(node);
    this.visibleToasts.push(node);
    if (message.auto_dismiss_ms) setTimeout(() => this.dismiss(node), message.auto_dismiss_ms);
  }

  dismiss(node) {
    const index = this.visibleToasts.indexOf(node);
    if (index === -1) return;
    this.visibleToasts.splice(index, 1);
    node.remove();
    const next = this.queuedToasts.shift();
    if (next) this.toast(next);
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

  showProgress(message) {
    const taskId = message.data.task_id;
    let row = this.progressRows.get(taskId);
    if (!row) {
      row = el(
        "div",
        { class: "progress-row", "data-task": taskId },
        el("span", { class: "label" }),
        el("progress", { max: "100" }),
        el("span", { class: "percent" }),
      );
      this.progressRows.set(taskId, row);
      this.statusBar.append(row);
    }
    row.querySelector(".label").textContent = message.message ? `${message.title}: ${message.message}` : message.title;
    row.querySelector("progress").value = message.progress;
    row.querySelector(".percent").textContent = `${Math.round(message.progress)}%`;
    this.statusBar.hidden = false;
    if (message.progress >= 100) this.finishProgress(taskId, PROGRESS_LINGER_MS);
  }

  finishProgress(taskId, after = 0) {
    const row = this.progressRows.get(taskId);
    if (!row) return;
    setTimeout(() => {
      if (this.progressRows.get(taskId) !== row) return;
      row.remove();
      this.progressRows.delete(taskId);
      this.statusBar.hidden = this.progressRows.size === 0;
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

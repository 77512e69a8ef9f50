// Share a final or review video by a link that needs no login: make one (never
// expiring, or for 1, 7 or 30 days), copy its address, and see this video's links
// with their state (active, expired, revoked), views and dates, each revocable at
// once (POST/GET /api/shares, DELETE /api/shares/{id}; exports/share_api.py).
// Also the modal frame both this and the annotate page's review dialog use: a
// native <dialog> shown modally (the page behind is inert), Esc closes it, Tab
// stays inside, and focus goes back to the button that opened it.
//
//   openShareDialog({ api, video: { kind: "final_video" | "review_video", id, title }, opener })
//   modal(name, labelledBy, ...children) -> { element, open(opener), close(), remove(), onClose }

import { dateLabel, el } from "./ui.js";

const FOCUSABLE = "button:not([disabled]), [href], input:not([disabled]):not([type=hidden]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])";

export function modal(name, labelledBy, ...children) {
  const element = el("dialog", { class: `modal ${name}`, "aria-labelledby": labelledBy, "aria-modal": "true" }, children);
  let opener = null;
  const frame = {
    element,
    onClose: null,
    open(from) {
      opener = from || document.activeElement;
      if (!element.isConnected) document.body.append(element);
      if (!element.open) element.showModal();
      const first = element.querySelector("input:checked, " + FOCUSABLE);
      if (first) first.focus();
    },
    close() {
      if (element.open) element.close();
    },
    remove() {
      frame.close();
      element.remove();
    },
  };
  // showModal makes the page inert; keeping Tab inside also keeps it off the browser's own bar.
  element.addEventListener("keydown", (event) => {
    event.stopPropagation(); // the page's own shortcuts (space, A, 1-5) wait until it closes
    if (event.key !== "Tab") return;
    const items = [...element.querySelectorAll(FOCUSABLE)].filter((node) => node.offsetParent !== null || node === document.activeElement);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  // A click on the backdrop (outside the dialog's box) closes it, as Esc does.
  element.addEventListener("click", (event) => {
    if (event.target !== element) return;
    const box = element.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) frame.close();
  });
  element.addEventListener("close", () => {
    if (frame.onClose) frame.onClose();
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  return frame;
}

// Days a new link lasts; null: until revoked.
const EXPIRIES = [
  { days: null, label: "Never" },
  { days: 1, label: "1 day" },
  { days: 7, label: "7 days" },
  { days: 30, label: "30 days" },
];

const STATE_WORDS = { active: "Active", expired: "Expired", revoked: "Revoked" };

/** Copy text: the Clipboard API where the page may use it, else the selected input and execCommand. */
export async function copyText(text, input) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* refused (no permission, not focused): the old way below */
  }
  if (!input) return false;
  input.focus();
  input.select();
  try {
    return document.execCommand("copy");
  } catch {
    return false;
  }
}

/** "3 views · made 30 Nov 2026 · expires 7 Dec 2026": one link's facts in words. */
export function linkFacts(link) {
  const views = `${link.views} view${link.views === 1 ? "" : "s"}`;
  const made = `made ${dateLabel(link.created_at)}`;
  let end = "never expires";
  if (link.state === "revoked") end = `revoked ${dateLabel(link.revoked_at)}`;
  else if (link.expires_at) end = `${link.state === "expired" ? "expired" : "expires"} ${dateLabel(link.expires_at)}`;
  return `${views} · ${made} · ${end}`;
}

export function openShareDialog({ api, video, opener }) {
  const idField = video.kind === "review_video" ? "review_video_id" : "final_video_id";
  const filter = video.kind === "review_video" ? "review_video" : "final_video";
  const error = el("p", { class: "error share-error", role: "alert" });
  const copied = el("span", { class: "muted small share-copied", role: "status" });
  const urlInput = el("input", { type: "text", id: "share-url", class: "share-url", readonly: true, "aria-label": "Link to share" });
  const copyButton = el("button", { type: "button", class: "button", id: "share-copy" }, "Copy");
  const made = el("div", { class: "share-made", hidden: true },
    el("label", { for: "share-url", class: "share-label" }, "Link (anyone who has it can watch and download)"),
    el("div", { class: "share-url-row" }, urlInput, copyButton),
    copied);
  const expiry = el("select", { id: "share-expiry", name: "expires_in_days" },
    EXPIRIES.map((choice) => el("option", { value: choice.days === null ? "" : String(choice.days) }, choice.label)));
  const makeButton = el("button", { type: "submit", class: "button primary-small", id: "share-make" }, "Make link");
  const list = el("ul", { class: "share-links", id: "share-links", "aria-live": "polite" }, el("li", { class: "muted small" }, "Loading links…"));

  const form = el("form", { class: "share-form", novalidate: true },
    el("label", { for: "share-expiry", class: "share-label" }, "Link expires"),
    el("div", { class: "share-make-row" }, expiry, makeButton));

  const frame = modal("share-dialog", "share-title",
    el("div", { class: "share-head" },
      el("h2", { id: "share-title" }, "Share ", el("span", { class: "share-video-title" }, `“${video.title}”`)),
      el("button", { type: "button", class: "share-close", "aria-label": "Close", onclick: () => frame.close() }, "×")),
    el("p", { class: "muted small" }, "A link plays and downloads this video only, without an account. Revoke it at any time."),
    form, made, error,
    el("h3", { class: "share-list-title" }, "Links to this video"),
    list);

  const say = (text) => {
    copied.textContent = text;
  };
  const copy = async (text, input) => {
    say((await copyText(text, input)) ? "Copied to the clipboard." : "Select the link and copy it (Ctrl+C).");
  };
  copyButton.addEventListener("click", () => copy(urlInput.value, urlInput));
  urlInput.addEventListener("focus", () => urlInput.select());

  const revoke = async (link, button) => {
    if (!button.classList.contains("confirming")) {
      button.classList.add("confirming");
      button.textContent = "Really revoke?";
      return;
    }
    button.disabled = true;
    try {
      await api("DELETE", `/api/shares/${link.id}`);
      error.textContent = "";
      await load();
    } catch (problem) {
      error.textContent = problem.message;
      button.disabled = false;
    }
  };

  const row = (link) => el("li", { class: `share-link ${link.state}`, dataset: { linkId: String(link.id), state: link.state } },
    el("span", { class: `share-state ${link.state}` }, STATE_WORDS[link.state] || link.state),
    el("span", { class: "share-facts small" }, linkFacts(link)),
    link.state === "active"
      ? el("div", { class: "share-link-actions" },
        el("button", { type: "button", class: "button share-link-copy", onclick: () => copy(link.url, null) }, "Copy"),
        el("button", { type: "button", class: "button danger share-revoke", onclick: (event) => revoke(link, event.currentTarget) }, "Revoke"))
      : null);

  const load = async () => {
    try {
      const answer = await api("GET", `/api/shares?${filter}=${video.id}`);
      const links = Array.isArray(answer) ? answer : answer.results;
      list.replaceChildren(...(links.length ? links.map(row) : [el("li", { class: "muted small" }, "No links yet.")]));
    } catch (problem) {
      list.replaceChildren(el("li", { class: "error small" }, `Could not load the links: ${problem.message}`));
    }
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    makeButton.disabled = true;
    error.textContent = "";
    try {
      const link = await api("POST", "/api/shares", {
        [idField]: video.id,
        expires_in_days: expiry.value ? Number(expiry.value) : null,
      });
      made.hidden = false;
      urlInput.value = link.url;
      say("");
      urlInput.focus();
      await load();
    } catch (problem) {
      error.textContent = problem.message;
    } finally {
      makeButton.disabled = false;
    }
  });

  frame.onClose = () => setTimeout(() => frame.element.remove(), 0);
  frame.open(opener);
  load();
  return frame;
}

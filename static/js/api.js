import { vocabulary } from "./vocabulary.js";

// fetch() for our REST API: session cookie, CSRF header, JSON both ways, and
// errors as sentences a person can read.

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// A Blob (a file) is sent as it is, with its own type, so the server sees its bytes.
export async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  const raw = body instanceof Blob;
  if (body !== undefined) headers["Content-Type"] = raw ? body.type || "application/octet-stream" : "application/json";
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(path, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined || raw ? body : JSON.stringify(body),
  });
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = data && (data.detail || Object.values(data).flat().join(" "));
    const error = new Error(detail || `The server answered ${response.status}.`);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

/** Every item of a paged list, fetched in the largest pages the server allows. */
export async function allPages(path) {
  const items = [];
  let next = `${path}${path.includes("?") ? "&" : "?"}limit=${vocabulary.limits.page_size_max}`;
  while (next) {
    const page = await api("GET", next);
    items.push(...page.results);
    next = page.next ? new URL(page.next, window.location.href).pathname + new URL(page.next, window.location.href).search : null;
  }
  return items;
}

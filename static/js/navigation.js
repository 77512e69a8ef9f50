// Soft navigation: links inside the app fetch the next page and swap only <main>
// (and the breadcrumb and title), so the shell — header, status bar, the one
// notification socket and any upload running in this tab — lives on. Anything
// unusual (another origin, a download, a modifier key, /admin or /api, an error
// page, a redirect to the login) falls back to a normal page load.

// Account pages load whole: sign-in and sign-out change who the shell is for.
const HARD_PREFIXES = ["/admin", "/api", "/media", "/static", "/login", "/logout", "/accounts"];

export class Navigator {
  constructor({ onLeave, onArrive }) {
    this.onLeave = onLeave; // async () => void: unmount the current page
    this.onArrive = onArrive; // () => void: mount the new page
    this.current = null;
  }

  start() {
    document.addEventListener("click", (event) => this.intercept(event));
    window.addEventListener("popstate", () => this.go(window.location.href, { push: false }));
  }

  soft(link) {
    if (!link || link.target || link.hasAttribute("download") || link.closest("[data-hard]")) return null;
    const url = new URL(link.href, window.location.href);
    if (url.origin !== window.location.origin) return null;
    if (HARD_PREFIXES.some((prefix) => url.pathname.startsWith(prefix))) return null;
    if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return null;
    return url;
  }

  intercept(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = this.soft(event.target.closest("a[href]"));
    if (!url) return;
    event.preventDefault();
    this.go(url.href);
  }

  async go(href, { push = true } = {}) {
    const ticket = (this.current = Symbol(href));
    document.body.classList.add("navigating");
    let response, html;
    try {
      response = await fetch(href, { credentials: "same-origin", headers: { "X-Soft-Navigation": "1" } });
      html = await response.text();
    } catch {
      window.location.assign(href);
      return;
    } finally {
      if (this.current === ticket) document.body.classList.remove("navigating");
    }
    if (this.current !== ticket) return; // a later click won
    const next = new DOMParser().parseFromString(html, "text/html");
    const page = next.getElementById("page");
    const landed = new URL(response.url);
    if (!response.ok || !page || HARD_PREFIXES.some((prefix) => landed.pathname.startsWith(prefix))) {
      window.location.assign(href);
      return;
    }
    await this.onLeave();
    document.getElementById("page").replaceWith(document.adoptNode(page));
    for (const id of ["breadcrumb", "gallery-count"]) {
      const fresh = next.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(document.adoptNode(fresh));
    }
    document.title = next.title;
    if (push) history.pushState({}, "", landed.pathname + landed.search + new URL(href, window.location.href).hash);
    window.scrollTo(0, 0);
    this.onArrive();
  }
}

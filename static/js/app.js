// Every page's start-up: one notification socket per tab, the notification UI,
// the status bar, soft navigation, and the current page's module. Pages are
// ES modules under js/pages/ exporting mount(root, data, shell) -> cleanup?.
// Other modules reach the shell through window.highlights.

import { api } from "./api.js";
import { Navigator } from "./navigation.js";
import { NotificationClient } from "./notifications.js";
import { NotificationCenter } from "./notification-center.js";
import { StatusBar } from "./status-bar.js";

const userId = document.body.dataset.userId;
if (userId) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const client = new NotificationClient({ url: `${scheme}://${window.location.host}/ws/notifications`, userId });
  const center = new NotificationCenter(client);
  center.mount();
  const status = new StatusBar(center, client);
  client.start();

  let cleanup = null;
  const shell = { api, notifications: client, notificationCenter: center, status, navigate: null };
  const mountPage = async () => {
    const root = document.getElementById("page");
    const name = root && root.dataset.page;
    if (!name) return;
    const dataNode = document.getElementById("page-data");
    const data = dataNode ? JSON.parse(dataNode.textContent) : {};
    try {
      const module = await import(`./pages/${name}.js`);
      if (document.getElementById("page") !== root) return; // navigated away meanwhile
      cleanup = (await module.mount(root, data, shell)) || null;
      root.dataset.mounted = "true";
      document.dispatchEvent(new CustomEvent("page-mounted", { detail: { name } }));
    } catch (error) {
      console.error(error);
      center.say("error", "This page could not start", String(error.message || error));
    }
  };
  const navigator = new Navigator({
    onLeave: async () => {
      if (cleanup) await cleanup();
      cleanup = null;
    },
    onArrive: mountPage,
  });
  shell.navigate = (href) => navigator.go(href);
  navigator.start();
  window.addEventListener("beforeunload", (event) => {
    if (status.busyUploads()) {
      event.preventDefault();
      event.returnValue = "An upload is running; leaving stops it (you can resume it later).";
    }
  });
  window.highlights = shell;
  status.start();
  mountPage();
}

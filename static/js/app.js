// Every page's start-up: one notification socket per tab and the notification UI.
// Other modules reach them through window.highlights.

import { NotificationClient } from "./notifications.js";
import { NotificationCenter } from "./notification-center.js";

const userId = document.body.dataset.userId;
if (userId) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const client = new NotificationClient({ url: `${scheme}://${window.location.host}/ws/notifications`, userId });
  const center = new NotificationCenter(client);
  center.mount();
  client.start();
  window.highlights = { notifications: client, notificationCenter: center };
}

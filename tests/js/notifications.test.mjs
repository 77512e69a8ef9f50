// The notification client marks what the server replays: history on the page's
// first connection (no toast for it), a replay after a reconnect within the page
// (it happened while the page was open), and live messages as neither.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";

import { NotificationClient } from "../../static/js/notifications.js";

class FakeSocket {
  constructor() {
    this.sent = [];
    this.readyState = 1;
    FakeSocket.last = this;
  }
  send(text) {
    this.sent.push(JSON.parse(text));
  }
  close() {}
  deliver(message) {
    this.onmessage({ data: JSON.stringify(message) });
  }
}

const clients = [];
afterEach(() => {
  for (const notifications of clients.splice(0)) clearInterval(notifications.timers.ping); // no window here: stop() needs one
});

function client() {
  const stored = new Map([["notifications.lastSeq.7", "3"]]);
  const storage = { getItem: (key) => stored.get(key) ?? null, setItem: (key, value) => stored.set(key, value) };
  const notifications = new NotificationClient({ url: "ws://test", userId: 7, storage, WebSocketImpl: FakeSocket });
  notifications.lastSeq = notifications.storedSeq;
  notifications.stopped = false;
  const seen = [];
  notifications.subscribe("*", (message) => seen.push(message));
  clients.push(notifications);
  return { notifications, seen };
}

const note = (seq) => ({ id: `n${seq}`, seq, type: "export_complete", title: `Reel ${seq}` });

test("history replayed on the page's first connection is marked, live messages are not", () => {
  const { notifications, seen } = client();
  notifications.connect();
  FakeSocket.last.onopen();
  assert.deepEqual(FakeSocket.last.sent, [{ type: "hello", last_seq: 3 }]);
  FakeSocket.last.deliver(note(4));
  FakeSocket.last.deliver(note(5));
  FakeSocket.last.deliver({ type: "ready", last_seq: 5, unread_count: 2 });
  FakeSocket.last.deliver(note(6));

  const marks = seen.filter((m) => m.id).map((m) => [m.seq, Boolean(m.replayed), Boolean(m.history)]);
  assert.deepEqual(marks, [
    [4, true, true],
    [5, true, true],
    [6, false, false],
  ]);
});

test("a replay after a reconnect within the page is not history", () => {
  const { notifications, seen } = client();
  notifications.connect();
  FakeSocket.last.onopen();
  FakeSocket.last.deliver({ type: "ready", last_seq: 3, unread_count: 0 });

  notifications.connect(); // the connection dropped and came back
  FakeSocket.last.onopen();
  assert.deepEqual(FakeSocket.last.sent, [{ type: "hello", last_seq: 3 }]);
  FakeSocket.last.deliver(note(4));
  FakeSocket.last.deliver({ type: "ready", last_seq: 4, unread_count: 1 });

  const replayed = seen.find((m) => m.seq === 4);
  assert.equal(replayed.replayed, true);
  assert.equal(replayed.history, false);
});

test("a message seen before is dropped, replayed or not", () => {
  const { notifications, seen } = client();
  notifications.connect();
  FakeSocket.last.onopen();
  FakeSocket.last.deliver(note(3));
  FakeSocket.last.deliver(note(4));
  FakeSocket.last.deliver(note(4));
  assert.deepEqual(seen.map((m) => m.seq), [4]);
});

test("a web process that drains (close code 1012) is reconnected to, resuming from the last seq", () => {
  const { notifications } = client();
  notifications.connect();
  FakeSocket.last.onopen();
  FakeSocket.last.deliver({ type: "ready", last_seq: 5, unread_count: 0 });
  const draining = FakeSocket.last;

  draining.onclose({ code: 1012 }); // uvicorn's "service restart" on SIGTERM
  clearTimeout(notifications.timers.reconnect); // the backoff timer: the test reconnects now
  assert.equal(notifications.state, "reconnecting");
  assert.equal(notifications.stopped, false);

  notifications.connect();
  assert.notEqual(FakeSocket.last, draining);
  FakeSocket.last.onopen();
  assert.deepEqual(FakeSocket.last.sent, [{ type: "hello", last_seq: 5 }]);
});

test("only 4401 (signed out) stops reconnecting", () => {
  const { notifications } = client();
  notifications.connect();
  FakeSocket.last.onopen();
  FakeSocket.last.onclose({ code: 4401 });
  assert.equal(notifications.state, "unauthenticated");
  assert.equal(notifications.stopped, true);
  assert.equal(notifications.timers.reconnect, undefined);
});

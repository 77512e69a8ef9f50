// The notification client: the one socket a tab holds to /ws/notifications.
//
// It reconnects forever while the tab is open (0.5 s doubling to 30 s, with
// jitter), pings every 20 s and treats 45 s of silence as a dead connection,
// says hello with the last seq it saw so the server replays what was missed,
// drops duplicates by seq, and hands every message to the subscribers of its
// type ("*" gets everything). Each tab dedups with its own seq; the highest seq
// any tab saw is kept in localStorage so a reloaded page resumes from there.
// What the server replays before its "ready" is marked `replayed`; what it
// replays before this page's FIRST "ready" is also marked `history`: it
// happened before the page was open (the panel shows it, no toast does).

const BACKOFF_START_MS = 500;
const BACKOFF_MAX_MS = 30000;
const PING_EVERY_MS = 20000;
const SILENCE_LIMIT_MS = 45000;
const CLOSE_UNAUTHENTICATED = 4401;

export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** attempt);
  return ceiling / 2 + random() * (ceiling / 2); // "equal jitter": never 0, never above the ceiling
}

export class NotificationClient {
  constructor({ url, userId, storage = window.localStorage, WebSocketImpl = window.WebSocket }) {
    this.url = url;
    this.storage = storage;
    this.WebSocketImpl = WebSocketImpl;
    this.seqKey = `notifications.lastSeq.${userId}`;
    this.subscribers = new Map();
    this.stateListeners = new Set();
    this.state = "idle";
    this.lastSeq = null;
    this.attempt = 0;
    this.socket = null;
    this.stopped = true;
    this.timers = {};
    this.replaying = false; // between a hello and the server's "ready"
    this.readyCount = 0; // "ready"s this page has had
  }

  get storedSeq() {
    const raw = this.storage.getItem(this.seqKey);
    return raw === null ? null : Number(raw);
  }

  remember(seq) {
    this.lastSeq = seq;
    const stored = this.storedSeq;
    if (stored === null || seq > stored) this.storage.setItem(this.seqKey, String(seq));
  }

  subscribe(type, handler) {
    if (!this.subscribers.has(type)) this.subscribers.set(type, new Set());
    this.subscribers.get(type).add(handler);
    return () => this.subscribers.get(type).delete(handler);
  }

  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    this.lastSeq = this.storedSeq;
    this.onOnline = () => this.reconnectNow();
    window.addEventListener("online", this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    Object.values(this.timers).forEach(clearTimeout);
    clearInterval(this.timers.ping);
    if (this.socket) this.socket.close(1000);
    this.setState("idle");
  }

  send(message) {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }

  // --- internals -------------------------------------------------------------

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    this.stateListeners.forEach((listener) => listener(state));
  }

  connect() {
    clearTimeout(this.timers.reconnect);
    this.setState(this.attempt === 0 ? "connecting" : "reconnecting");
    const socket = new this.WebSocketImpl(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.lastHeard = Date.now();
      this.replaying = true;
      this.send({ type: "hello", last_seq: this.lastSeq });
      clearInterval(this.timers.ping);
      this.timers.ping = setInterval(() => this.heartbeat(), PING_EVERY_MS);
    };
    socket.onmessage = (event) => {
      this.lastHeard = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.receive(message);
    };
    socket.onclose = (event) => {
      if (socket !== this.socket) return;
      clearInterval(this.timers.ping);
      this.socket = null;
      if (this.stopped) return;
      if (event.code === CLOSE_UNAUTHENTICATED) {
        this.setState("unauthenticated");
        this.stopped = true;
        return;
      }
      this.scheduleReconnect();
    };
  }

  heartbeat() {
    if (Date.now() - this.lastHeard > SILENCE_LIMIT_MS) {
      // Half-open connection: nothing has come back for too long.
      this.reconnectNow();
      return;
    }
    this.send({ type: "ping" });
  }

  scheduleReconnect() {
    this.setState("reconnecting");
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.timers.reconnect = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped) return;
    if (this.socket) {
      const dead = this.socket;
      this.socket = null;
      dead.onclose = null;
      dead.close();
    }
    this.connect();
  }

  receive(message) {
    if (message.type === "ready") {
      this.replaying = false;
      this.readyCount += 1;
      this.attempt = 0;
      // The server's word is final here (it also covers a database that was reset).
      this.lastSeq = message.last_seq;
      this.storage.setItem(this.seqKey, String(message.last_seq));
      this.setState("open");
    }
    if (message.seq !== null && message.seq !== undefined) {
      if (this.lastSeq !== null && message.seq <= this.lastSeq) return; // replay overlap
      this.remember(message.seq);
      if (this.replaying) {
        message.replayed = true;
        message.history = this.readyCount === 0;
      }
    }
    this.emit(message.type, message);
    this.emit("*", message);
  }

  emit(type, message) {
    const handlers = this.subscribers.get(type);
    if (!handlers) return;
    handlers.forEach((handler) => {
      try {
        handler(message);
      } catch (error) {
        console.error("notification subscriber failed", error);
      }
    });
  }
}

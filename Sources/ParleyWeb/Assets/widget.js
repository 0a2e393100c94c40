/*
 * Parley chat widget. Embed with:
 *   <script src="https://chat.example/widget.js" data-key="pk_…" defer></script>
 * Optional: data-name (the visitor's name), data-open="true" (start opened).
 *
 * Built only on Parley's public APIs: the widget API (/widget/v1: init, messages, files,
 * rating) and the omni WebSocket (/api/v1/ws). Everything is drawn inside a shadow root, so
 * the host page's styles do not reach in and ours do not leak out. Every user-written string
 * is set as text (textContent), never parsed as HTML.
 */
(() => {
  "use strict";
  const script = document.currentScript;
  if (!script || !script.dataset.key || window.__parleyWidget) return;
  window.__parleyWidget = true;

  const apiKey = script.dataset.key;
  const server = new URL(script.src, location.href).origin;
  const socketURL = server.replace(/^http/, "ws") + "/api/v1/ws";
  const storeKey = "parley:" + apiKey;
  const TYPING_IDLE_MS = 3000;

  // ---- persisted state: the browser session, newest seq seen, messages not yet acknowledged
  const saved = (() => {
    try { return JSON.parse(localStorage.getItem(storeKey)) || {}; } catch (_) { return {}; }
  })();
  const persisted = {
    sessionId: saved.sessionId || "web_" + randomId(),
    open: !!saved.open,
    pending: Array.isArray(saved.pending) ? saved.pending : [],
    rated: Array.isArray(saved.rated) ? saved.rated.slice(-20) : [],
  };
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(persisted)); } catch (_) { /* private mode */ }
  }
  function randomId() {
    const bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // ---- live state
  let session = null;           // the init answer
  let conversationId = null;    // omni UUID of the current conversation
  let status = null;            // pending | open | closed
  let teamReadSeq = 0;
  let socket = null;
  let socketReady = false;
  let reconnectDelay = 500;
  let typingTimer = null;
  let typingSent = false;
  let typingSentAt = 0;
  let agentTypingTimer = null;
  const messages = new Map();   // id → message (omni shape)
  const bySeq = () => Array.from(messages.values()).sort((a, b) => a.seq - b.seq);
  const newestSeq = () => Array.from(messages.values()).reduce((n, m) => Math.max(n, m.seq), 0);

  // ---- the DOM, inside a shadow root
  const host = document.createElement("div");
  host.id = "parley-widget";
  const root = host.attachShadow({ mode: "open" });
  const css = `
    :host { all: initial; }
    * { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
    .launcher { position: fixed; right: 20px; bottom: 20px; width: 60px; height: 60px; border-radius: 50%;
      border: none; background: var(--accent); color: #fff; cursor: pointer; z-index: 2147483000;
      box-shadow: 0 6px 20px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; }
    .launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
    .launcher svg { width: 28px; height: 28px; fill: currentColor; }
    .badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; border-radius: 10px;
      background: #dc2626; color: #fff; font-size: 12px; line-height: 20px; text-align: center; padding: 0 5px; }
    .panel { position: fixed; right: 20px; bottom: 92px; width: 370px; height: min(600px, calc(100vh - 120px));
      background: #fff; color: #111827; border-radius: 14px; box-shadow: 0 12px 40px rgba(0,0,0,.25);
      display: flex; flex-direction: column; overflow: hidden; z-index: 2147483000; font-size: 14px; }
    .panel[hidden] { display: none; }
    header { background: var(--accent); color: #fff; padding: 14px 16px; display: flex; align-items: center; gap: 10px; }
    header .titles { flex: 1; }
    header h2 { margin: 0; font-size: 16px; font-weight: 600; flex: 1; }
    header .presence { display: block; font-size: 12px; opacity: .9; }
    header button { background: transparent; border: none; color: #fff; font-size: 22px; cursor: pointer; line-height: 1; }
    .status { background: #fef3c7; color: #92400e; font-size: 12px; padding: 6px 12px; }
    .status[hidden] { display: none; }
    .log { flex: 1; overflow-y: auto; padding: 14px; display: flex; flex-direction: column; gap: 8px; background: #f9fafb; }
    .msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; word-wrap: break-word; }
    .msg.them { align-self: flex-start; background: #fff; border: 1px solid #e5e7eb; border-bottom-left-radius: 4px; }
    .msg.me { align-self: flex-end; background: var(--accent); color: #fff; border-bottom-right-radius: 4px; }
    .msg.system { align-self: center; background: transparent; color: #6b7280; font-size: 12px; }
    .msg .who { display: block; font-size: 11px; opacity: .75; margin-bottom: 2px; }
    .msg .meta { display: block; font-size: 11px; opacity: .75; margin-top: 3px; text-align: right; }
    .msg a { color: inherit; }
    .msg img { max-width: 200px; max-height: 160px; display: block; border-radius: 8px; margin-top: 4px; }
    .typing { font-size: 12px; color: #6b7280; padding: 0 16px 6px; min-height: 18px; background: #f9fafb; }
    form.composer { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
    textarea { flex: 1; resize: none; border: 1px solid #d1d5db; border-radius: 10px; padding: 8px 10px; font-size: 14px;
      max-height: 120px; min-height: 40px; }
    .icon { width: 40px; height: 40px; border-radius: 10px; border: 1px solid #d1d5db; background: #fff; cursor: pointer;
      display: flex; align-items: center; justify-content: center; color: #4b5563; padding: 0; }
    .icon svg { width: 20px; height: 20px; fill: currentColor; }
    .send { background: var(--accent); color: #fff; border: none; }
    .rating { padding: 12px 14px; border-top: 1px solid #e5e7eb; }
    .rating[hidden] { display: none; }
    .rating p { margin: 0 0 6px; font-weight: 600; }
    .stars { display: flex; gap: 4px; margin-bottom: 6px; }
    .stars button { font-size: 24px; background: none; border: none; cursor: pointer; color: #d1d5db; padding: 0 2px; }
    .stars button[aria-pressed="true"] { color: #f59e0b; }
    .rating textarea { width: 100%; min-height: 36px; margin-bottom: 6px; }
    .rating .submit { background: var(--accent); color: #fff; border: none; border-radius: 8px; padding: 6px 14px; cursor: pointer; }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    @media (max-width: 480px) {
      .panel { right: 0; bottom: 0; width: 100vw; height: 100vh; height: 100dvh; border-radius: 0; }
      .launcher { right: 14px; bottom: 14px; }
    }`;
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch (_) {
    const style = document.createElement("style");
    style.textContent = css;
    root.appendChild(style);
  }

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (name === "text") node.textContent = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (value !== false && value != null) node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function icon(d) {
    const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
    path.setAttribute("d", d);
    svg.append(path);
    return svg;
  }
  const launcher = el("button", { class: "launcher", type: "button", "aria-label": "Open chat", "aria-expanded": "false",
    "aria-controls": "parley-panel" });
  const svg = icon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H8l-5 4V5a2 2 0 0 1 1-2z");
  const badge = el("span", { class: "badge", hidden: true, "aria-hidden": "true" });
  launcher.append(svg, badge);

  const title = el("h2", { id: "parley-title", text: "Chat" });
  const presence = el("span", { class: "presence" });
  const closeButton = el("button", { type: "button", "aria-label": "Close chat", text: "×" });
  const statusLine = el("div", { class: "status", role: "status", hidden: true });
  const log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages", tabindex: "0" });
  const typingLine = el("div", { class: "typing", "aria-live": "polite" });
  const input = el("textarea", { id: "parley-input", rows: "1", placeholder: "Write a message…", "aria-label": "Message",
    maxlength: "4000" });
  const fileInput = el("input", { type: "file", class: "sr-only", tabindex: "-1", "aria-hidden": "true" });
  const attach = el("button", { type: "button", class: "icon", "aria-label": "Attach a file" }, icon(
    "M16.5 6.5v10a4.5 4.5 0 0 1-9 0V5a3 3 0 0 1 6 0v10.5a1.5 1.5 0 0 1-3 0V6.5H9v9a3 3 0 0 0 6 0V5a4.5 4.5 0 0 0-9 0v11.5a6 6 0 0 0 12 0v-10z"));
  const send = el("button", { type: "submit", class: "icon send", "aria-label": "Send" }, icon("M3 20.5 21 12 3 3.5v6.6l12 1.9-12 1.9z"));
  const composer = el("form", { class: "composer" }, attach, fileInput, input, send);

  const stars = el("div", { class: "stars", role: "group", "aria-label": "Your rating" });
  let score = 0;
  for (let n = 1; n <= 5; n++) {
    stars.append(el("button", { type: "button", "aria-label": n + " of 5", "aria-pressed": "false", text: "★",
      onclick: () => { score = n; Array.from(stars.children).forEach((b, i) => b.setAttribute("aria-pressed", String(i < n))); } }));
  }
  const comment = el("textarea", { "aria-label": "Comment (optional)", placeholder: "Comment (optional)", maxlength: "1000" });
  const ratingForm = el("form", { class: "rating", hidden: true, "aria-label": "Rate this conversation" },
    el("p", { text: "How did we do?" }), stars, comment,
    el("button", { type: "submit", class: "submit", text: "Send rating" }));

  const panel = el("section", { class: "panel", id: "parley-panel", role: "dialog", "aria-labelledby": "parley-title",
    hidden: true },
    el("header", {}, el("div", { class: "titles" }, title, presence), closeButton),
    statusLine, log, typingLine, ratingForm, composer);
  root.append(launcher, panel);

  function mount() { document.body.append(host); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);

  // ---- opening and closing
  let unseen = 0;
  function setOpen(open) {
    persisted.open = open;
    persist();
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", String(open));
    launcher.setAttribute("aria-label", open ? "Hide chat" : "Open chat");
    if (open) {
      refreshPresence();
      unseen = 0;
      updateBadge();
      input.focus();
      markRead();
      log.scrollTop = log.scrollHeight;
    }
  }
  launcher.addEventListener("click", () => setOpen(panel.hidden));
  closeButton.addEventListener("click", () => { setOpen(false); launcher.focus(); });
  panel.addEventListener("keydown", (event) => { if (event.key === "Escape") { setOpen(false); launcher.focus(); } });
  function updateBadge() {
    badge.hidden = unseen === 0;
    badge.textContent = String(unseen);
  }

  // ---- HTTP
  async function call(method, path, body) {
    const response = await fetch(server + path, {
      method, headers: body ? { "Content-Type": "application/json" } : {}, body: body ? JSON.stringify(body) : undefined,
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) throw Object.assign(new Error(json.detail || response.statusText), { status: response.status, code: json.code });
    return json;
  }
  const query = () => "api_key=" + encodeURIComponent(apiKey) + "&session_id=" + encodeURIComponent(persisted.sessionId);

  // ---- rendering
  function fileNumber(uuid) { return parseInt(uuid.slice(-12), 16); }
  function renderMessage(message) {
    const mine = message.sender_type === "customer";
    const kind = mine ? "me" : message.sender_type === "system" ? "system" : "them";
    const node = el("div", { class: "msg " + kind, "data-seq": String(message.seq || ""),
      "data-id": message.id || message.client_message_id });
    if (kind === "them") node.append(el("span", { class: "who", text: message.sender_type === "bot" ? "Assistant" : "Support" }));
    node.append(document.createTextNode(message.content));
    for (const attachment of message.attachments || []) {
      const number = fileNumber(attachment);
      if (!number || !session) continue;
      const token = "?token=" + encodeURIComponent(session.session_token);
      const href = server + "/v1/files/file_" + number + "/download" + token;
      const link = el("a", { href, target: "_blank", rel: "noopener noreferrer", text: "Download attachment" });
      const image = el("img", { src: server + "/v1/files/file_" + number + "/thumbnail" + token, alt: "Attached image" });
      image.addEventListener("error", () => image.remove());
      image.addEventListener("load", () => { log.scrollTop = log.scrollHeight; });
      node.append(el("br"), link, image);
    }
    if (mine) {
      const read = message.seq && message.seq <= teamReadSeq;
      const mark = !message.seq ? "Sending…" : read ? "Read ✓✓" : "Delivered ✓";
      node.append(el("span", { class: "meta", "data-mark": !message.seq ? "sending" : read ? "read" : "delivered", text: mark }));
    }
    return node;
  }
  function render() {
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    const nodes = [];
    if (session && session.channel.greeting) {
      nodes.push(renderMessage({ sender_type: "agent", content: session.channel.greeting, id: "greeting", seq: 0 }));
    }
    for (const message of bySeq()) nodes.push(renderMessage(message));
    for (const pending of persisted.pending) {
      if (!Array.from(messages.values()).some((m) => m.client_message_id === pending.client_message_id)) {
        nodes.push(renderMessage({ sender_type: "customer", content: pending.content, client_message_id: pending.client_message_id }));
      }
    }
    log.replaceChildren(...nodes);
    if (atBottom || persisted.open) log.scrollTop = log.scrollHeight;
    ratingForm.hidden = status !== "closed" || persisted.rated.includes(conversationId);
  }
  function showStatus(text) {
    statusLine.hidden = !text;
    statusLine.textContent = text || "";
  }

  // ---- messages in
  function accept(message) {
    if (conversationId && message.conversation_id !== conversationId) {
      // A new conversation began (the last one was closed): start a fresh page.
      messages.clear();
      teamReadSeq = 0;
    }
    conversationId = message.conversation_id;
    if (status === "closed" || !status) status = "pending";
    if (messages.has(message.id)) return false;
    messages.set(message.id, message);
    if (message.client_message_id) {
      persisted.pending = persisted.pending.filter((p) => p.client_message_id !== message.client_message_id);
      persist();
    }
    if (message.sender_type === "agent") showOnline(true);
    if (message.sender_type !== "customer") {
      if (panel.hidden) { unseen += 1; updateBadge(); } else markRead();
      typingLine.textContent = "";
    }
    return true;
  }

  async function loadHistory() {
    const page = await call("GET", "/widget/v1/messages?" + query() + "&limit=100");
    messages.clear();
    conversationId = page.meta.conversation_id;
    status = page.meta.status;
    teamReadSeq = page.meta.team_read_seq || 0;
    for (const message of page.data) messages.set(message.id, message);
    render();
  }

  // ---- the WebSocket: auth, resume from the newest seq we hold, subscribe; reconnect with backoff
  function connect() {
    socketReady = false;
    const ws = new WebSocket(socketURL);
    socket = ws;
    ws.addEventListener("open", () => ws.send(JSON.stringify({ type: "auth", token: "Bearer " + session.session_token })));
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      handle(frame, ws);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socketReady = false;
      showStatus("Reconnecting…");
      const delay = reconnectDelay;
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      setTimeout(() => start().catch(() => {}), event.code === 4001 || event.code === 1008 ? 0 : delay);
    });
  }
  function handle(frame, ws) {
    const data = frame.data || {};
    switch (frame.type) {
      case "auth.ok": {
        const positions = {};
        if (conversationId) positions[conversationId] = newestSeq();
        ws.send(JSON.stringify({ type: "resume", positions }));
        ws.send(JSON.stringify({ type: "subscribe", channels: ["messages", "conversations"] }));
        break;
      }
      case "resumed":
        if (!frame.recovered) loadHistory().catch(() => {});
        break;
      case "subscribed":
        socketReady = true;
        reconnectDelay = 500;
        showStatus(null);
        flushPending();
        break;
      case "message.new":
        if (accept(data)) render();
        break;
      case "message.ack": {
        persisted.pending = persisted.pending.filter((p) => p.client_message_id !== data.client_message_id);
        persist();
        render();
        break;
      }
      case "message.read":
        if (data.reader_type === "agent" && data.conversation_id === conversationId && data.seq > teamReadSeq) {
          teamReadSeq = data.seq;
          render();
        }
        break;
      case "typing.start":
        if (data.sender_type !== "customer") {
          if (data.sender_type === "agent") showOnline(true);
          typingLine.textContent = (data.name || "Support") + " is typing…";
          clearTimeout(agentTypingTimer);
          agentTypingTimer = setTimeout(() => { typingLine.textContent = ""; }, 8000);
        }
        break;
      case "typing.stop":
        if (data.sender_type !== "customer") typingLine.textContent = "";
        break;
      case "conversation.updated":
        if (data.id === conversationId || !conversationId) {
          conversationId = data.id;
          status = data.status;
          render();
          if (status === "closed") showStatus("This conversation was closed. Write again to start a new one.");
        }
        break;
      case "error":
        if (data.code === "CONFLICT") loadHistory().catch(() => {});
        break;
    }
  }

  // ---- messages out: every message carries a client id and stays queued (in localStorage)
  // until acknowledged, so a drop or a reload resends it and the server's deduplication keeps
  // it single.
  function flushPending() {
    if (!socketReady) return;
    for (const pending of persisted.pending) {
      socket.send(JSON.stringify({ type: "message", content: pending.content, client_message_id: pending.client_message_id }));
    }
  }
  function submit(text) {
    const content = text.trim();
    if (!content) return;
    if (status === "closed") { status = null; showStatus(null); }
    const pending = { client_message_id: "w_" + randomId(), content };
    persisted.pending.push(pending);
    persist();
    render();
    if (socketReady) socket.send(JSON.stringify({ type: "message", content, client_message_id: pending.client_message_id }));
    stopTyping();
  }
  composer.addEventListener("submit", (event) => {
    event.preventDefault();
    submit(input.value);
    input.value = "";
    input.focus();
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      composer.requestSubmit();
    }
  });
  input.addEventListener("input", () => {
    if (!socketReady) return;
    // Announced when typing starts and again every 4 s while it goes on: the server ends a
    // typing indicator after 6 s without a typing frame.
    if (conversationId && (!typingSent || Date.now() - typingSentAt > 4000)) {
      socket.send(JSON.stringify({ type: "typing", conversation_id: conversationId }));
      typingSent = true;
      typingSentAt = Date.now();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  });
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && socketReady && conversationId) {
      socket.send(JSON.stringify({ type: "typing_stop", conversation_id: conversationId }));
    }
    typingSent = false;
  }
  function markRead() {
    if (!socketReady || !conversationId || panel.hidden) return;
    const newest = bySeq().filter((m) => m.sender_type !== "customer").pop();
    if (newest) socket.send(JSON.stringify({ type: "read", conversation_id: newest.conversation_id, message_id: newest.id }));
  }

  // ---- files: uploaded through the widget API, then sent as a message with the attachment
  attach.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    showStatus("Uploading " + file.name + "…");
    try {
      const form = new FormData();
      form.append("file", file, file.name);
      const response = await fetch(server + "/widget/v1/files?" + query(), { method: "POST", body: form });
      const uploaded = await response.json();
      if (!response.ok) throw new Error(uploaded.detail || "upload failed");
      const sent = await call("POST", "/widget/v1/messages", { api_key: apiKey, session_id: persisted.sessionId,
        content: file.name, attachments: [uploaded.data.id], client_message_id: "w_" + randomId() });
      if (accept(sent.data)) render();
      showStatus(null);
    } catch (error) {
      showStatus("Could not send the file: " + error.message);
    }
  });

  // ---- rating a closed conversation
  ratingForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!score) { showStatus("Choose 1 to 5 stars."); return; }
    try {
      await call("POST", "/widget/v1/rating", { api_key: apiKey, session_id: persisted.sessionId,
        conversation_id: conversationId, score, comment: comment.value || undefined });
      persisted.rated.push(conversationId);
      persist();
      showStatus("Thank you for your rating!");
      render();
    } catch (error) {
      showStatus("Could not send the rating: " + error.message);
    }
  });

  // ---- whether the team is there: the omni protocol has no agent presence frames for
  // customers, so the line follows init's agents_online (asked again when the panel opens, at
  // most once a minute) and what the socket shows (an agent writing or typing is online).
  let presenceCheckedAt = 0;
  function showOnline(online) {
    if (!session) return;
    presence.textContent = online ? "We're online" : session.channel.offline_message;
  }
  async function refreshPresence() {
    if (!session || Date.now() - presenceCheckedAt < 60000) return;
    presenceCheckedAt = Date.now();
    try {
      const answer = await call("POST", "/widget/v1/init", { api_key: apiKey, session_id: persisted.sessionId });
      showOnline(answer.data.agents_online > 0);
    } catch (error) { /* the next open asks again */ }
  }

  // ---- start (and start again after a drop): init keeps the same customer for this browser
  async function start() {
    try {
      const answer = await call("POST", "/widget/v1/init", { api_key: apiKey, session_id: persisted.sessionId,
        name: script.dataset.name || undefined });
      session = answer.data;
      persist();
      host.style.setProperty("--accent", /^#[0-9a-fA-F]{6}$/.test(session.channel.primary_color) ? session.channel.primary_color : "#2563eb");
      title.textContent = session.channel.name || "Chat";
      showOnline(session.agents_online > 0);
      presenceCheckedAt = Date.now();
      if (!conversationId || messages.size === 0) await loadHistory();
      else render();
      connect();
    } catch (error) {
      showStatus("Offline — retrying…");
      const delay = reconnectDelay;
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      setTimeout(() => start(), delay);
    }
  }
  host.style.setProperty("--accent", "#2563eb");
  setOpen(persisted.open || script.dataset.open === "true");
  start();
})();

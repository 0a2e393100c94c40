/*
 * Parley agent console. Built only on Parley's public APIs: native REST (/v1: login with
 * two-factor codes, conversations, messages, agents, notifications), the native WebSocket (/ws
 * with role=support: messages, acks, typing, presence, read receipts, conversation updates,
 * resume) and omni's knowledge-base search and AI answers (/api/v1). Every user-written string
 * is set as text (textContent), never parsed as HTML.
 */
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const store = sessionStorage;

  let auth = JSON.parse(store.getItem("parley.console") || "null"); // {token, refresh_token, user}
  let socket = null;
  let socketOpen = false;
  let reconnectDelay = 500;
  let selected = null;                 // conv_N
  const conversations = new Map();     // conv_N → summary {id, visitor, assigned_agent, last_message, unread_count, status}
  const online = new Set();            // visitor ids with a socket open
  const threads = new Map();           // conv_N → Map(seq → message)
  const visitorRead = new Map();       // conv_N → newest seq the visitor read
  const pendingAcks = new Map();       // client_message_id → {conversation_id, content}
  let agents = [];
  let typingTimer = null;
  let typingSent = false;
  let typingSentAt = 0;
  let typingClear = null;

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
  const siteId = () => auth.user.site_ids[0];
  const omniConversation = (id) => "00000004-0000-4000-8000-" + Number(id.slice(5)).toString(16).padStart(12, "0");

  // ---- HTTP with the access token; a 401 refreshes it once, then signs out
  async function api(method, path, body, retried) {
    const response = await fetch(path, {
      method,
      headers: Object.assign({ Authorization: "Bearer " + auth.token }, body ? { "Content-Type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401 && !retried && auth.refresh_token) {
      const refreshed = await fetch("/v1/auth/refresh", {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ refresh_token: auth.refresh_token }),
      });
      if (refreshed.ok) {
        const data = (await refreshed.json()).data;
        auth.token = data.token;
        auth.refresh_token = data.refresh_token;
        store.setItem("parley.console", JSON.stringify(auth));
        return api(method, path, body, true);
      }
      signOut();
      throw new Error("signed out");
    }
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = json.error || json;
      throw Object.assign(new Error(error.message || error.detail || response.statusText), { code: error.code });
    }
    return json.data !== undefined ? json.data : json;
  }

  // ---- sign in (with a two-factor code when the server asks for one)
  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("login-error").textContent = "";
    const body = { username: $("login-username").value, password: $("login-password").value };
    if (!$("totp-row").hidden && $("login-totp").value) body.totp_code = $("login-totp").value.trim();
    const response = await fetch("/v1/auth/support/login", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const code = json.error && json.error.code;
      if (code === "TOTP_REQUIRED") {
        $("totp-row").hidden = false;
        $("login-totp").focus();
        $("login-error").textContent = $("login-totp").value ? "That code was not accepted." : "Enter the code from your authenticator app.";
      } else {
        $("login-error").textContent = (json.error && json.error.message) || "Sign-in failed.";
      }
      return;
    }
    auth = { token: json.data.token, refresh_token: json.data.refresh_token, user: json.data.user };
    store.setItem("parley.console", JSON.stringify(auth));
    boot();
  });

  function signOut() {
    if (auth) fetch("/v1/auth/logout", { method: "POST", headers: { Authorization: "Bearer " + auth.token } }).catch(() => {});
    auth = null;
    store.removeItem("parley.console");
    if (socket) { const s = socket; socket = null; s.close(); }
    $("app").hidden = true;
    $("login").hidden = false;
    $("login-username").focus();
  }
  $("logout").addEventListener("click", signOut);

  // ---- the queue
  async function loadQueue() {
    const page = await api("GET", "/v1/conversations?site_id=" + siteId() + "&status=active&limit=100");
    for (const summary of page.conversations) conversations.set(summary.id, summary);
    renderQueue();
  }
  function renderQueue() {
    const pending = [], open = [];
    for (const c of conversations.values()) {
      if (c.status !== "active") continue;
      (c.assigned_agent ? open : pending).push(c);
    }
    const newestFirst = (a, b) => ((b.last_message && b.last_message.created_at) || b.created_at).localeCompare(
      (a.last_message && a.last_message.created_at) || a.created_at);
    for (const [list, items, count] of [[$("pending-list"), pending, $("pending-count")], [$("open-list"), open, $("open-count")]]) {
      items.sort(newestFirst);
      count.textContent = items.length ? String(items.length) : "";
      list.replaceChildren(...items.map((c) => {
        const name = visitorName(c);
        const unread = c.unread_count > 0 ? el("span", { class: "count", text: String(c.unread_count),
          "aria-label": c.unread_count + " unread" }) : el("span");
        const button = el("button", { type: "button", "data-id": c.id, "aria-current": String(c.id === selected),
          onclick: () => select(c.id) },
          el("span", { class: "name" }, el("span", { class: "dot" + (online.has(c.visitor.id) ? " online" : ""),
            "aria-label": online.has(c.visitor.id) ? "online" : "offline" }), name),
          unread,
          el("span", { class: "preview", text: c.last_message ? c.last_message.content : "No messages yet" }));
        return el("li", {}, button);
      }));
    }
    document.title = (totalUnread() ? "(" + totalUnread() + ") " : "") + "Parley — agent console";
  }
  const visitorName = (c) => c.visitor.name || "Visitor " + (c.visitor.id || "").slice(-6);
  const totalUnread = () => Array.from(conversations.values()).reduce((n, c) => n + (c.status === "active" ? c.unread_count : 0), 0);

  // ---- one conversation
  async function select(id) {
    selected = id;
    $("empty").hidden = true;
    $("thread").hidden = false;
    $("suggest").disabled = false;
    $("suggestion").replaceChildren();
    $("typing").textContent = "";
    const page = await api("GET", "/v1/messages?conversation_id=" + id + "&limit=100");
    const thread = new Map();
    for (const m of page.messages) thread.set(m.seq, m);
    threads.set(id, thread);
    for (const m of page.messages) if (m.from === "support" && m.status === "read") visitorRead.set(id, Math.max(visitorRead.get(id) || 0, m.seq));
    renderThread();
    markRead();
    renderQueue();
    $("reply").focus();
  }
  function renderThread() {
    const c = conversations.get(selected);
    if (!c) return;
    $("thread-title").textContent = visitorName(c);
    $("thread-presence").textContent = online.has(c.visitor.id) ? "● online" : "○ offline";
    $("thread-status").textContent = c.status === "closed" ? "closed" : c.assigned_agent ? "assigned to " + (c.assigned_agent.name || c.assigned_agent.username) : "waiting";
    $("assign-me").disabled = c.status === "closed" || (c.assigned_agent && c.assigned_agent.id === auth.user.id);
    $("close-conversation").disabled = c.status === "closed";
    $("assign-to").disabled = c.status === "closed";
    $("assign-to").replaceChildren(el("option", { value: "", text: "Assign to…" }),
      ...agents.filter((a) => a.id !== auth.user.id).map((a) => el("option", { value: a.id, text: a.name + " (" + a.status + ")" })));
    const read = visitorRead.get(selected) || 0;
    const thread = Array.from((threads.get(selected) || new Map()).values()).sort((a, b) => a.seq - b.seq);
    const items = thread.map((m) => {
      const item = el("li", { class: m.from, "data-seq": String(m.seq) });
      item.append(el("span", { class: "who", text: (m.sender && m.sender.name) || m.from }));
      item.append(document.createTextNode(m.content));
      if (m.file_id) {
        const link = "/v1/files/" + m.file_id + "/download?token=" + encodeURIComponent(auth.token);
        item.append(el("a", { href: link, target: "_blank", rel: "noopener noreferrer", text: "Download attachment" }));
        if (m.type === "image") {
          const image = el("img", { src: "/v1/files/" + m.file_id + "/thumbnail?token=" + encodeURIComponent(auth.token), alt: "Attached image" });
          image.addEventListener("load", () => { $("messages").scrollTop = $("messages").scrollHeight; });
          item.append(image);
        }
      }
      if (m.from === "support") {
        item.append(el("span", { class: "meta", "data-mark": m.seq <= read ? "read" : "sent", text: m.seq <= read ? "Seen ✓✓" : "Sent ✓" }));
      }
      return item;
    });
    for (const [clientId, p] of pendingAcks) {
      if (p.conversation_id === selected) items.push(el("li", { class: "support", "data-client-id": clientId }, p.content, el("span", { class: "meta", text: "Sending…" })));
    }
    const list = $("messages");
    list.replaceChildren(...items);
    list.scrollTop = list.scrollHeight;
    for (const button of document.querySelectorAll(".conversations button")) button.setAttribute("aria-current", String(button.dataset.id === selected));
  }
  function markRead() {
    const thread = threads.get(selected);
    const c = conversations.get(selected);
    if (!thread || !c || document.hidden) return;
    const newest = Math.max(0, ...thread.keys());
    if (newest > 0 && socketOpen) socket.send(JSON.stringify({ type: "read", conversation_id: selected }));
    c.unread_count = 0;
  }
  document.addEventListener("visibilitychange", () => { if (!document.hidden) { markRead(); renderQueue(); } });

  // ---- actions
  $("assign-me").addEventListener("click", () => assign(auth.user.id));
  $("assign-to").addEventListener("change", (event) => { if (event.target.value) assign(event.target.value); });
  async function assign(agentId) {
    try {
      await api("PATCH", "/v1/conversations/" + selected + "/assign", { agent_id: agentId });
    } catch (error) { alert("Could not assign: " + error.message); }
  }
  $("close-conversation").addEventListener("click", async () => {
    try { await api("PATCH", "/v1/conversations/" + selected + "/close", {}); } catch (error) { alert("Could not close: " + error.message); }
  });
  $("availability").addEventListener("change", async (event) => {
    try { await api("PATCH", "/v1/agents/status", { status: event.target.value }); } catch (error) { alert(error.message); }
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = $("reply").value.trim();
    if (!content || !selected) return;
    const clientId = "c_" + Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
    pendingAcks.set(clientId, { conversation_id: selected, content });
    $("reply").value = "";
    stopTyping();
    sendPending();
    renderThread();
  });
  $("reply").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); $("composer").requestSubmit(); }
  });
  $("reply").addEventListener("input", () => {
    if (!socketOpen || !selected) return;
    // Again every 4 s while the agent types: the server ends typing after 6 s of quiet.
    if (!typingSent || Date.now() - typingSentAt > 4000) {
      socket.send(JSON.stringify({ type: "typing_start", conversation_id: selected }));
      typingSent = true;
      typingSentAt = Date.now();
    }
    clearTimeout(typingTimer);
    typingTimer = setTimeout(stopTyping, 3000);
  });
  function stopTyping() {
    clearTimeout(typingTimer);
    if (typingSent && socketOpen && selected) socket.send(JSON.stringify({ type: "typing_stop", conversation_id: selected }));
    typingSent = false;
  }
  // Replies not yet acknowledged are sent again after a reconnect, with the same client id:
  // the server acknowledges a repeat with the first message and stores nothing twice.
  function sendPending() {
    if (!socketOpen) return;
    for (const [clientId, p] of pendingAcks) {
      socket.send(JSON.stringify({ type: "message", conversation_id: p.conversation_id, content: p.content, client_message_id: clientId }));
    }
  }

  // ---- knowledge base and AI suggestion
  $("kb-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const query = $("kb-query").value.trim();
    if (!query) return;
    try {
      const answer = await api("POST", "/api/v1/knowledge/search", { query, limit: 5 });
      $("kb-results").replaceChildren(...(answer.results.length ? answer.results.map((r) =>
        el("li", {}, el("span", { class: "title", text: r.title }), el("span", { class: "passage", text: r.content }),
          el("button", { type: "button", text: "Insert", onclick: () => insert(r.content) }))) : [el("li", { text: "Nothing found." })]));
    } catch (error) { $("kb-results").replaceChildren(el("li", { text: error.message })); }
  });
  $("suggest").addEventListener("click", async () => {
    if (!selected) return;
    $("suggestion").replaceChildren(el("p", { text: "Thinking…" }));
    try {
      const answer = await api("POST", "/api/v1/ai/generate", { conversation_id: omniConversation(selected) });
      if (!answer.response) { $("suggestion").replaceChildren(el("p", { text: "No confident answer in the knowledge base." })); return; }
      $("suggestion").replaceChildren(
        el("blockquote", { text: answer.response }),
        el("p", { text: "Confidence " + Math.round(answer.confidence * 100) + "% · " + answer.sources.map((s) => s.title).join(", ") }),
        el("button", { type: "button", text: "Use this answer", onclick: () => insert(answer.response) }));
    } catch (error) { $("suggestion").replaceChildren(el("p", { text: error.message })); }
  });
  function insert(text) {
    const reply = $("reply");
    reply.value = reply.value ? reply.value + "\n" + text : text;
    reply.focus();
  }

  // ---- notifications
  async function loadNotifications() {
    const page = await api("GET", "/v1/notifications?limit=20");
    $("notifications-count").hidden = page.unread_count === 0;
    $("notifications-count").textContent = String(page.unread_count);
    $("notifications-list").replaceChildren(...page.notifications.map((n) => el("li", { class: n.read ? "" : "unread" },
      el("button", { type: "button", text: n.title + " — " + n.message,
        onclick: () => { if (n.data.conversation_id) select(n.data.conversation_id); } }))));
    $("notifications-list").dataset.unread = JSON.stringify(page.notifications.filter((n) => !n.read).map((n) => n.id));
  }
  $("notifications-button").addEventListener("click", () => {
    const panel = $("notifications");
    panel.hidden = !panel.hidden;
    $("notifications-button").setAttribute("aria-expanded", String(!panel.hidden));
  });
  $("notifications-read").addEventListener("click", async () => {
    const ids = JSON.parse($("notifications-list").dataset.unread || "[]");
    if (ids.length) await api("POST", "/v1/notifications/read", { notification_ids: ids });
    loadNotifications();
  });
  let notificationsSoon = null;
  const refreshNotifications = () => { clearTimeout(notificationsSoon); notificationsSoon = setTimeout(() => loadNotifications().catch(() => {}), 300); };

  // ---- the WebSocket: resume from the newest seq of every loaded thread, then get_state
  function connect() {
    const url = location.origin.replace(/^http/, "ws") + "/ws?site_id=" + encodeURIComponent(siteId()) + "&role=support&token=" + encodeURIComponent(auth.token);
    const ws = new WebSocket(url);
    socket = ws;
    ws.addEventListener("open", () => {
      const positions = {};
      for (const [id, thread] of threads) positions[id] = Math.max(0, ...thread.keys());
      ws.send(JSON.stringify({ type: "resume", positions }));
      ws.send(JSON.stringify({ type: "get_state" }));
      socketOpen = true;
      reconnectDelay = 500;
      $("connection").textContent = "● connected";
      sendPending();
    });
    ws.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      handle(frame);
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socketOpen = false;
      $("connection").textContent = "○ reconnecting…";
      const delay = reconnectDelay;
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      setTimeout(() => { if (auth) reconnect(); }, delay);
    });
  }
  async function reconnect() {
    try {
      await api("GET", "/v1/auth/validate"); // refreshes an expired token
      await loadQueue();
      connect();
    } catch (_) {
      const delay = reconnectDelay;
      reconnectDelay = Math.min(reconnectDelay * 2, 10000);
      setTimeout(() => { if (auth) reconnect(); }, delay);
    }
  }
  function handle(frame) {
    switch (frame.type) {
      case "message": {
        const m = frame.message;
        m.from = frame.from;
        m.conversation_id = frame.conversation_id;
        const c = conversations.get(frame.conversation_id);
        if (!c) { loadQueue().catch(() => {}); refreshNotifications(); return; }
        c.last_message = { content: m.content, from: frame.from, created_at: m.created_at };
        const thread = threads.get(frame.conversation_id);
        const fresh = thread && !thread.has(m.seq);
        if (thread) thread.set(m.seq, m);
        if (m.client_message_id) pendingAcks.delete(m.client_message_id);
        if (frame.from === "visitor") {
          if (frame.conversation_id === selected && !document.hidden) markRead();
          else if (fresh || !thread) c.unread_count += 1;
          $("typing").textContent = "";
          refreshNotifications();
        }
        if (frame.conversation_id === selected) renderThread();
        renderQueue();
        break;
      }
      case "ack":
        pendingAcks.delete(frame.client_message_id);
        if (frame.conversation_id === selected) renderThread();
        break;
      case "typing_start":
        if (frame.conversation_id === selected && frame.visitor_id) {
          $("typing").textContent = (frame.name || "The visitor") + " is typing…";
          clearTimeout(typingClear);
          typingClear = setTimeout(() => { $("typing").textContent = ""; }, 8000);
        }
        break;
      case "typing_stop":
        if (frame.conversation_id === selected && frame.visitor_id) $("typing").textContent = "";
        break;
      case "user_joined":
      case "user_left":
        if (frame.type === "user_joined") online.add(frame.visitor_id); else online.delete(frame.visitor_id);
        renderQueue();
        if (selected) renderThread();
        break;
      case "read":
        if (frame.reader === "visitor") {
          visitorRead.set(frame.conversation_id, Math.max(visitorRead.get(frame.conversation_id) || 0, frame.seq));
          if (frame.conversation_id === selected) renderThread();
        }
        break;
      case "conversation_updated": {
        const c = conversations.get(frame.conversation_id);
        if (!c) { loadQueue().catch(() => {}); refreshNotifications(); return; }
        c.status = frame.status;
        if (frame.assigned_agent_id) {
          const agent = agents.find((a) => a.id === frame.assigned_agent_id);
          c.assigned_agent = { id: frame.assigned_agent_id, name: agent ? agent.name : frame.assigned_agent_id };
          if (frame.assigned_agent_id === auth.user.id) refreshNotifications();
        } else c.assigned_agent = null;
        renderQueue();
        if (frame.conversation_id === selected) renderThread();
        break;
      }
      case "state":
        for (const s of frame.conversations) {
          const c = conversations.get(s.id);
          if (!c) continue;
          c.unread_count = s.id === selected ? 0 : s.unread_count;
          if (s.visitor_online) online.add(c.visitor.id); else online.delete(c.visitor.id);
        }
        renderQueue();
        if (selected) renderThread();
        break;
      case "resumed":
        if (!frame.recovered && selected) select(selected);
        break;
    }
  }

  async function boot() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("me").textContent = auth.user.name + " · " + auth.user.site_ids[0];
    try {
      // Signing in makes an agent available; they can step away with the selector.
      agents = (await api("GET", "/v1/agents?site_id=" + siteId())).agents;
      const me = agents.find((a) => a.id === auth.user.id);
      let status = (me && me.status) || "online";
      if (status === "offline") status = (await api("PATCH", "/v1/agents/status", { status: "online" })).status;
      $("availability").value = status;
      await loadQueue();
      await loadNotifications();
      connect();
    } catch (error) {
      if (auth) $("connection").textContent = "○ " + error.message;
    }
  }

  if (auth) boot(); else { $("login").hidden = false; $("login-username").focus(); }
})();

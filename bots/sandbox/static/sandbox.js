// The sandbox chat page: two panes talking to /sandbox/api. No framework, no build step.
// Everything the server sends is data: it goes into the page with textContent or as a
// checked attribute, never as HTML (provider names and user text may contain markup).
"use strict";

(() => {
  const API = "/sandbox/api";
  const POLL_MS = 1000;
  // The bot's photo limit (core/catalog/photo_checks.py), as /labels tells it.
  let maxPhotoBytes = 5 * 1024 * 1024;
  const LANGUAGES = ["ar", "fr", "en"];
  const STORE = {
    clientChat: "mounasabet.sandbox.client.chat",
    language: "mounasabet.sandbox.client.language",
    provider: "mounasabet.sandbox.provider.slug",
  };

  // localStorage can be unavailable (privacy settings); the page still works without it.
  const store = {
    get(key) {
      try { return window.localStorage.getItem(key); } catch (_) { return null; }
    },
    set(key, value) {
      try { window.localStorage.setItem(key, value); } catch (_) { /* not kept */ }
    },
  };

  function newChatId() {
    // crypto.getRandomValues works on plain http too (randomUUID needs a secure context).
    const bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // Only same-site paths and http(s) URLs become src/href: no javascript: or data: links.
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    return /^(https?:\/\/|\/(?!\/))/i.test(url) ? url : null;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  async function callApi(path, options) {
    const response = await fetch(API + path, options);
    const raw = await response.text();
    let data = null;
    try { data = JSON.parse(raw); } catch (_) { data = null; }
    if (!response.ok) {
      const reason = (data && data.error) || raw || response.statusText;
      throw new Error(`${response.status}: ${reason}`);
    }
    return data || {};
  }

  function postJson(path, body) {
    return callApi(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  // The page's own words follow the client's language (/sandbox/api/labels): elements name
  // theirs with data-label (text), data-label-placeholder and data-label-title.
  const words = {};

  async function applyLabels(language) {
    let data;
    try {
      data = await callApi(`/labels?${new URLSearchParams({ language })}`);
    } catch (_) {
      return; // the English of the page stays
    }
    const labels = data.labels || {};
    if (Number.isInteger(data.max_photo_bytes) && data.max_photo_bytes > 0) {
      maxPhotoBytes = data.max_photo_bytes;
    }
    Object.assign(words, labels);
    const pick = (key) => (typeof labels[key] === "string" ? labels[key] : null);
    for (const node of document.querySelectorAll("[data-label]")) {
      const text = pick(node.dataset.label);
      if (text !== null) node.textContent = text;
    }
    for (const node of document.querySelectorAll("[data-label-placeholder]")) {
      const text = pick(node.dataset.labelPlaceholder);
      if (text !== null) node.placeholder = text;
    }
    for (const node of document.querySelectorAll("[data-label-title]")) {
      const text = pick(node.dataset.labelTitle);
      if (text !== null) node.title = text;
    }
    document.documentElement.lang = typeof data.language === "string" ? data.language : "en";
    document.documentElement.dir = data.dir === "rtl" ? "rtl" : "ltr";
  }

  class Pane {
    constructor(root, name, options) {
      this.root = root;
      this.name = name;
      this.language = options.language || (() => "");
      this.list = root.querySelector(".transcript");
      this.form = root.querySelector(".composer");
      this.input = this.form.querySelector("input[name=text]");
      this.photoInput = this.form.querySelector("input[type=file]"); // the provider pane's
      this.chat = null;
      this.lastSeq = 0;
      this.generation = 0; // bumps when the chat changes: late answers for the old one are dropped
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        const text = this.input.value.trim();
        if (!text) return;
        this.input.value = "";
        this.send({ text });
      });
      this.list.addEventListener("click", (event) => this.onClick(event));
      if (this.photoInput) {
        this.photoInput.addEventListener("change", () => {
          const file = this.photoInput.files && this.photoInput.files[0];
          this.photoInput.value = ""; // the same file may be chosen again
          if (file) this.sendPhoto(file);
        });
      }
    }

    // Switch to a chat (or to none) and reload its transcript from the server.
    open(chat) {
      this.chat = chat || null;
      this.lastSeq = 0;
      this.generation += 1;
      this.list.replaceChildren();
      this.root.dataset.chat = this.chat || "";
      this.input.disabled = !this.chat;
      if (this.photoInput) {
        this.photoInput.disabled = !this.chat;
        this.photoInput.closest("label").classList.toggle("disabled", !this.chat);
      }
      if (this.chat) this.poll();
    }

    async send(fields) {
      if (!this.chat) {
        this.note(words.choose_first || "Choose a provider first.");
        return;
      }
      const generation = this.generation;
      const body = {
        pane: this.name,
        chat: this.chat,
        language: this.language(),
        after: this.lastSeq,
        ...fields,
      };
      this.root.classList.add("busy");
      try {
        const data = await postJson("/send", body);
        if (generation === this.generation) this.render(data.messages || []);
      } catch (error) {
        if (generation === this.generation) this.note(`Could not send: ${error.message}`);
      } finally {
        this.root.classList.remove("busy");
      }
    }

    // A photo goes to the provider bot as Telegram's would: the file as the body, its type
    // as Content-Type. Past the limit only one byte more is sent: enough for the bot to
    // say the file is too big, in the provider's language.
    async sendPhoto(file) {
      if (!this.chat) {
        this.note(words.choose_first || "Choose a provider first.");
        return;
      }
      const generation = this.generation;
      const body = file.size > maxPhotoBytes ? file.slice(0, maxPhotoBytes + 1) : file;
      const query = new URLSearchParams({
        pane: this.name,
        chat: this.chat,
        after: this.lastSeq,
        name: file.name || "",
        language: this.language(),
      });
      this.root.classList.add("busy");
      try {
        const data = await callApi(`/photo?${query}`, {
          method: "POST",
          headers: { "Content-Type": file.type || "application/octet-stream" },
          body,
        });
        if (generation === this.generation) this.render(data.messages || []);
      } catch (error) {
        const failed = words.photo_failed || "The photo could not be sent:";
        if (generation === this.generation) this.note(`${failed} ${error.message}`);
      } finally {
        this.root.classList.remove("busy");
      }
    }

    async poll() {
      if (!this.chat) return;
      const generation = this.generation;
      const query = new URLSearchParams({ pane: this.name, chat: this.chat, after: this.lastSeq });
      try {
        const data = await callApi(`/messages?${query}`);
        if (generation === this.generation) this.render(data.messages || []);
        this.root.classList.remove("offline");
      } catch (_) {
        this.root.classList.add("offline"); // the server is down or restarting; keep trying
      }
    }

    // Each answer holds every message after the seq it asked from, so a message at or
    // below lastSeq has been shown already (by an earlier poll or send).
    render(messages) {
      let added = false;
      for (const message of messages) {
        if (typeof message.seq !== "number" || message.seq <= this.lastSeq) continue;
        this.lastSeq = message.seq;
        // An edit replaces the bot's previous message (paging, sorting), shown again last.
        const previous = message.edit && message.from === "bot" ? this.lastBot() : null;
        if (previous) previous.remove();
        this.list.append(this.bubble(message));
        added = true;
      }
      if (added) {
        this.root.dataset.lastSeq = String(this.lastSeq);
        this.list.scrollTop = this.list.scrollHeight;
      }
    }

    lastBot() {
      const bots = this.list.querySelectorAll(":scope > .msg.bot");
      return bots.length ? bots[bots.length - 1] : null;
    }

    bubble(message) {
      const fromBot = message.from === "bot";
      const item = el("li", `msg ${fromBot ? "bot" : "user"}`);
      item.dataset.seq = String(message.seq);
      const bubble = el("div", "bubble");
      // Arabic replies read right to left; user text takes the direction of its own script.
      bubble.dir = fromBot ? (message.rtl ? "rtl" : "ltr") : "auto";
      if (fromBot && message.rtl) item.dir = "rtl";
      item.append(bubble);

      const photos = Array.isArray(message.photos) ? message.photos : [];
      if (photos.length) bubble.append(this.photos(photos));
      if (message.text) bubble.append(el("p", "text", message.text));
      const doc = message.document;
      if (doc && safeUrl(doc.url)) {
        const link = el("a", "document", `📄 ${doc.filename || "document"}`);
        link.href = safeUrl(doc.url);
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        bubble.append(link);
      }
      if (fromBot && message.request_contact) bubble.append(this.contactForm());
      if (fromBot && Array.isArray(message.buttons) && message.buttons.length) {
        item.append(this.keyboard(message.buttons));
      }
      return item;
    }

    photos(urls) {
      const strip = el("div", "photos");
      for (const url of urls.slice(0, 10)) {
        const src = safeUrl(url);
        if (!src) continue;
        const img = el("img");
        img.src = src;
        img.alt = "";
        img.loading = "lazy";
        img.addEventListener("error", () => img.classList.add("broken"));
        strip.append(img);
      }
      return strip;
    }

    keyboard(rows) {
      const keyboard = el("div", "keyboard");
      for (const row of rows) {
        if (!Array.isArray(row) || !row.length) continue;
        const line = el("div", "row");
        for (const button of row) {
          if (button && typeof button.url === "string" && /^https?:\/\//.test(button.url)) {
            // A link (payment page, invoice): opened, never sent as an answer.
            const link = el("a", "key", button.label);
            link.href = button.url;
            link.target = "_blank";
            link.rel = "noopener";
            line.append(link);
            continue;
          }
          if (!button || typeof button.payload !== "string") continue;
          const key = el("button", "key", button.label);
          key.type = "button";
          key.dataset.payload = button.payload;
          line.append(key);
        }
        keyboard.append(line);
      }
      return keyboard;
    }

    // Telegram's "share contact" in a browser: a small inline form sent as `contact`.
    contactForm() {
      const box = el("div", "contact");
      const open = el("button", "key share", "📱 " + (words.share_phone || "Share my phone number"));
      open.type = "button";
      open.dataset.action = "share-phone";
      const form = el("form", "contact-form");
      form.hidden = true;
      const input = el("input");
      input.type = "tel";
      input.name = "phone";
      input.placeholder = "06 12 34 56 78";
      input.autocomplete = "tel";
      input.setAttribute("aria-label", words.phone_to_share || "Phone number to share");
      const submit = el("button", null, words.share || "Share");
      submit.type = "submit";
      form.append(input, submit);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const phone = input.value.trim();
        if (!phone) return;
        form.hidden = true;
        open.hidden = false;
        this.send({ contact: phone });
      });
      box.append(open, form);
      return box;
    }

    onClick(event) {
      const target = event.target instanceof Element ? event.target.closest("button") : null;
      if (!target || !this.list.contains(target)) return;
      if (target.dataset.action === "share-phone") {
        const form = target.parentElement.querySelector(".contact-form");
        target.hidden = true;
        form.hidden = false;
        form.querySelector("input").focus();
        return;
      }
      if (target.dataset.payload) {
        target.classList.add("pressed");
        this.send({ payload: target.dataset.payload });
      }
    }

    // A line from the page itself (not part of the chat), e.g. a failed request.
    note(text) {
      const item = el("li", "msg note");
      item.append(el("div", "bubble", text));
      this.list.append(item);
      this.list.scrollTop = this.list.scrollHeight;
    }

    startPolling() {
      const tick = async () => {
        await this.poll();
        window.setTimeout(tick, POLL_MS);
      };
      window.setTimeout(tick, POLL_MS);
    }
  }

  function pickName(name, language) {
    if (typeof name === "string") return name;
    if (!name || typeof name !== "object") return "";
    for (const code of [language, "fr", "en", "ar"]) {
      if (typeof name[code] === "string" && name[code]) return name[code];
    }
    const first = Object.values(name).find((v) => typeof v === "string" && v);
    return first || "";
  }

  function setupClient() {
    const root = document.getElementById("client");
    const select = root.querySelector("select.language");
    const browser = (navigator.language || "").slice(0, 2).toLowerCase();
    const saved = store.get(STORE.language);
    select.value = LANGUAGES.includes(saved) ? saved : LANGUAGES.includes(browser) ? browser : "fr";

    const pane = new Pane(root, "client", { language: () => select.value });
    let chat = store.get(STORE.clientChat);
    const fresh = !chat || !/^[A-Za-z0-9_-]{1,40}$/.test(chat);
    if (fresh) {
      chat = newChatId();
      store.set(STORE.clientChat, chat);
    }
    pane.open(chat);
    const labelsReady = applyLabels(select.value);
    // A new client is greeted, as Telegram's Start button does: the bot says hello first.
    const greet = () => labelsReady.then(() => pane.send({ text: "/start" }));
    // A link from the site (/sandbox?start=<payload>) starts the chat itself, below.
    const start = new URLSearchParams(window.location.search).get("start");
    const linked = Boolean(start && /^[A-Za-z0-9_-]{1,64}$/.test(start));
    if (fresh && !linked) greet();

    // The selector plays the phone's language: it applies to this client from now on.
    select.addEventListener("change", async () => {
      store.set(STORE.language, select.value);
      applyLabels(select.value);
      try {
        await postJson("/language", { pane: "client", chat: pane.chat, language: select.value });
      } catch (error) {
        pane.note(`Could not change the language: ${error.message}`);
      }
    });
    root.querySelector(".new-chat").addEventListener("click", () => {
      const next = newChatId();
      store.set(STORE.clientChat, next);
      pane.open(next);
      pane.input.focus();
      greet();
    });
    pane.startPolling();
    // The site's "Try it here" links (/sandbox?start=<payload>) open the client bot as a
    // Telegram deep link would; the address is cleaned so a reload does not send it again.
    if (linked) {
      window.history.replaceState(null, "", window.location.pathname);
      pane.send({ text: `/start ${start}` });
    }
    return { pane, language: () => select.value };
  }

  async function setupProvider(clientLanguage) {
    const root = document.getElementById("provider");
    const select = root.querySelector("select.provider-select");
    // The provider pane's chat id is the provider's slug: it acts as that provider. "A new
    // provider" gets a chat of its own ("new-…"), belonging to nobody until it signs up.
    const pane = new Pane(root, "provider", {});
    pane.open(null);
    const chatFor = (value) =>
      value === "new" ? `new-${Math.random().toString(36).slice(2, 12)}` : value;
    select.addEventListener("change", () => {
      const chat = chatFor(select.value);
      store.set(STORE.provider, chat);
      pane.open(chat || null);
    });
    root.querySelector("button.start").addEventListener("click", () => {
      if (!select.value) {
        select.focus();
        pane.note(words.choose_first || "Choose a provider first.");
        return;
      }
      pane.send({ text: "/start" });
    });
    pane.startPolling();

    try {
      const data = await callApi("/providers");
      for (const provider of data.providers || []) {
        if (typeof provider.slug !== "string") continue;
        const option = el("option", null, pickName(provider.name, clientLanguage()) || provider.slug);
        option.value = provider.slug;
        select.append(option);
      }
    } catch (error) {
      pane.note(`Could not load the providers: ${error.message}`);
      return pane;
    }
    const saved = store.get(STORE.provider);
    if (saved && saved.startsWith("new-")) {
      select.value = "new"; // the same sign-up chat after a reload
      pane.open(saved);
    } else if (saved && Array.from(select.options).some((o) => o.value === saved)) {
      select.value = saved;
      pane.open(saved);
    }
    root.dataset.ready = "true";
    return pane;
  }

  function main() {
    const client = setupClient();
    setupProvider(client.language);
    document.body.dataset.ready = "true";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", main);
  else main();
})();

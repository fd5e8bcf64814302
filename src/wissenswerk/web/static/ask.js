// The ask page: the question goes out with fetch and the answer streams back as
// Server-Sent Events (status, conversation, delta, lines, citations, done). Deltas are the
// answer's text as it is written, already checked by the server; they are shown as plain
// text until the lines with linked citations arrive. Without this file the form posts
// normally and the server renders the answer.
"use strict";

const EVENT_STREAM = "text/event-stream";

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function csrfToken(form) {
  const input = form.querySelector('input[name="csrf_token"]');
  return input ? input.value : "";
}

// Split a buffer into complete events ("event: x\ndata: {...}\n\n"); return the rest.
function takeEvents(buffer, onEvent) {
  let end = buffer.indexOf("\n\n");
  while (end !== -1) {
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    let name = "message";
    const data = [];
    block.split("\n").forEach((line) => {
      if (line.startsWith("event: ")) name = line.slice(7);
      else if (line.startsWith("data: ")) data.push(line.slice(6));
    });
    if (data.length) onEvent(name, JSON.parse(data.join("\n")));
    end = buffer.indexOf("\n\n");
  }
  return buffer;
}

// The bubbles of one exchange while it streams; "done" replaces the answer bubble with the
// server's rendering of the stored message (with its feedback form).
function startExchange(form, question) {
  const list = document.getElementById("messages");
  const asked = element("li", "message message-user");
  asked.append(element("p", "message-role", form.dataset.you));
  asked.append(element("p", "question-text", question));
  const answer = element("li", "message message-assistant message-pending");
  answer.setAttribute("aria-busy", "true");
  answer.append(element("p", "message-role", form.dataset.answer));
  const status = element("p", "answer-status", form.dataset.searching);
  status.setAttribute("role", "status");
  const body = element("div", "answer");
  answer.append(status, body);
  list.append(asked, answer);
  answer.scrollIntoView({ block: "end" });
  return { list, asked, answer, status, body, draft: null, citations: null };
}

function citationLink(segment) {
  if (!segment.href) return document.createTextNode(segment.text);
  const link = element("a", "cite", segment.text);
  link.href = segment.href;
  link.title = segment.label;
  return link;
}

function rememberConversation(form, data) {
  let input = form.querySelector('input[name="conversation_id"]');
  if (!input) {
    input = element("input");
    input.type = "hidden";
    input.name = "conversation_id";
    form.append(input);
  }
  input.value = String(data.id);
  if (!data.new) return;
  window.history.replaceState(null, "", data.url);
  const history = document.getElementById("history-list");
  const empty = document.getElementById("history-empty");
  if (empty) empty.remove();
  if (history) {
    history.querySelectorAll("a[aria-current]").forEach((a) => a.removeAttribute("aria-current"));
    const item = element("li");
    const link = element("a", "", data.title);
    link.href = data.url;
    link.setAttribute("aria-current", "page");
    item.append(link);
    history.prepend(item);
  }
}

function handleEvent(form, exchange, name, data) {
  if (name === "status") {
    exchange.status.textContent = data.text;
  } else if (name === "conversation") {
    rememberConversation(form, data);
  } else if (name === "delta") {
    if (!exchange.draft) {
      exchange.draft = element("p", "answer-draft");
      exchange.body.append(exchange.draft);
    }
    exchange.draft.textContent += data.text;
  } else if (name === "line") {
    exchange.status.hidden = true;
    if (exchange.draft) {
      exchange.draft.remove();
      exchange.draft = null;
    }
    const line = element("p");
    data.segments.forEach((segment) => line.append(citationLink(segment)));
    exchange.body.append(line);
  } else if (name === "citation") {
    if (!exchange.citations) {
      exchange.answer.append(element("h3", "citations-title", form.dataset.sources));
      exchange.citations = element("ol", "citations");
      exchange.answer.append(exchange.citations);
    }
    const item = element("li");
    item.value = data.number;
    item.append(citationLink({ text: data.label, href: data.href, label: data.label }));
    item.append(" ", element("span", "muted", "· " + data.source));
    item.append(element("blockquote", "", data.quote));
    exchange.citations.append(item);
  } else if (name === "error") {
    exchange.status.hidden = false;
    exchange.status.className = "alert alert-error";
    exchange.status.textContent = data.text;
    exchange.answer.removeAttribute("aria-busy");
  } else if (name === "done") {
    const template = document.createElement("template");
    template.innerHTML = data.html.trim();
    const rendered = template.content.querySelector("li.message");
    if (rendered) {
      exchange.answer.replaceWith(rendered);
      exchange.answer = rendered;
    }
  }
  exchange.answer.scrollIntoView({ block: "end" });
}

async function ask(form, textarea, button) {
  const question = textarea.value.trim();
  if (!question) return;
  const data = new FormData(form);
  button.disabled = true;
  const exchange = startExchange(form, question);
  try {
    const response = await fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: EVENT_STREAM, "X-CSRF-Token": csrfToken(form) },
    });
    const type = response.headers.get("content-type") || "";
    if (!response.ok || !type.startsWith(EVENT_STREAM) || !response.body) {
      // Not an answer stream (signed out, form expired …): let the page handle it normally.
      exchange.asked.remove();
      exchange.answer.remove();
      form.submit();
      return;
    }
    textarea.value = "";
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer = takeEvents(buffer + decoder.decode(value, { stream: true }), (name, payload) =>
        handleEvent(form, exchange, name, payload));
    }
  } catch (error) {
    handleEvent(form, exchange, "error", { text: form.dataset.failed });
  } finally {
    button.disabled = false;
    textarea.focus();
  }
}

function setUpAskForm() {
  const form = document.getElementById("ask-form");
  if (!form || !window.fetch || !window.TextDecoder) return;
  const textarea = form.querySelector("textarea[name=question]");
  const button = form.querySelector("button[type=submit]");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    ask(form, textarea, button);
  });
  // Enter sends, Shift+Enter starts a new line (as in chat programs).
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
}

// Feedback forms (also those that arrive with a streamed answer) are sent in the background.
function setUpFeedback() {
  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("feedback")) return;
    const button = event.submitter;
    if (!button || button.name !== "rating" || !window.fetch) return;
    event.preventDefault();
    const data = new FormData(form);
    data.set("rating", button.value);
    const status = form.querySelector(".feedback-status");
    try {
      const response = await fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrfToken(form) },
      });
      if (!response.ok) throw new Error(String(response.status));
      const result = await response.json();
      form.querySelectorAll("button[name=rating]").forEach((b) => {
        b.setAttribute("aria-pressed", String(b.value === result.rating));
      });
      if (status) status.textContent = result.message;
    } catch (error) {
      if (status) status.textContent = form.dataset.failed || "";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpAskForm();
  setUpFeedback();
});

// wissenswerk — small progressive enhancements; every page works without this file.
"use strict";

// Buttons with data-copy="#selector" copy that element's text (e.g. recovery codes).
// They start hidden and only appear where the clipboard is available.
function setUpCopyButtons() {
  if (!navigator.clipboard) return;
  document.querySelectorAll("button[data-copy]").forEach((button) => {
    const source = document.querySelector(button.dataset.copy);
    if (!source) return;
    button.hidden = false;
    const label = button.textContent;
    button.addEventListener("click", async () => {
      const lines = Array.from(source.querySelectorAll("li"), (li) => li.textContent.trim());
      await navigator.clipboard.writeText(lines.length ? lines.join("\n") : source.textContent);
      button.textContent = button.dataset.copied || label;
      setTimeout(() => { button.textContent = label; }, 2000);
    });
  });
}

// Forms with data-confirm="question" ask before they submit (e.g. deleting a source).
function setUpConfirmations() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

// Escape closes an open user menu and returns focus to its toggle.
function setUpMenus() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.usermenu[open]").forEach((menu) => {
      menu.open = false;
      menu.querySelector("summary").focus();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  setUpCopyButtons();
  setUpConfirmations();
  setUpMenus();
});

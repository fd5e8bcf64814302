// The document viewer: bring the quoted passage (or, if it was not found, the cited page)
// into view. Without this file the link's #quote anchor still scrolls to the passage.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const documentView = document.getElementById("document");
  if (!documentView) return;
  const mark = document.getElementById("quote");
  const page = documentView.dataset.page;
  const target = mark || (page ? document.getElementById("page-" + page) : null);
  if (!target) return;
  target.scrollIntoView({ block: "center" });
  target.tabIndex = -1;
  target.focus({ preventScroll: true });
});

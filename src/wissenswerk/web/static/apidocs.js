// Starts Swagger UI on /api/v1/docs (a file, because the Content-Security-Policy allows no
// inline script). The spec URL comes from the page, so the page alone decides what is shown.
"use strict";

window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Nothing leaves the server: no online validator badge.
    validatorUrl: null,
    // The token entered under "Authorize" is kept only while the page is open.
    persistAuthorization: false,
  });
});

// Starts the vendored Swagger UI on /api/docs (a file, not an inline script: the CSP
// allows only this site's own scripts).
window.addEventListener("DOMContentLoaded", () => {
  window.ui = SwaggerUIBundle({
    url: "/api/openapi.json",
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null, // the public validator would be sent the schema
    presets: [SwaggerUIBundle.presets.apis],
  });
});

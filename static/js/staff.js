// Staff pages: progressive enhancement only. Every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // htmx: send the CSRF token with every request it makes.
  document.body.addEventListener("htmx:configRequest", (event) => {
    const token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (token) event.detail.headers["X-CSRFToken"] = token.value;
  });
});

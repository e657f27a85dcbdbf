// inboxmine admin: CSRF token on every state-changing request, small helpers.
// Loaded on every admin page (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.getAttribute("content") : "";

  function addTokenToForms() {
    document.querySelectorAll("form").forEach(function (form) {
      if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
      if (form.querySelector('input[name="csrf_token"]')) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "csrf_token";
      input.value = token;
      form.appendChild(input);
    });
  }

  // sqladmin deletes rows with jQuery ajax (DELETE): send the token as a header.
  if (window.jQuery) {
    window.jQuery.ajaxSetup({ headers: { "X-CSRF-Token": token } });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRF-Token": token, "Content-Type": "application/json", "Accept": "application/json" },
      body: body === undefined ? "{}" : JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var detail = data && data.detail;
          if (Array.isArray(detail)) detail = detail.map(function (d) { return d.msg; }).join("; ");
          throw new Error(detail || ("HTTP " + response.status));
        }
        return data;
      });
    });
  }

  document.addEventListener("click", function (event) {
    var close = event.target.closest('[data-bs-dismiss="toast"]');
    if (close) {
      var toast = close.closest(".toast");
      if (toast) toast.remove();
    }
  });

  document.addEventListener("DOMContentLoaded", addTokenToForms);
  addTokenToForms();
  window.inboxmine = { csrfToken: token, post: post };
})();

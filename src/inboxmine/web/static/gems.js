// Gem Explorer buttons: Generate Draft (queues engage for the gem), Mark acted, Dismiss,
// and Judge the gems: Good / Bad (with a reason) / Clear rating, then the quality summary.
// Everything from the server is written with textContent (never as markup).
(function () {
  "use strict";
  function send(method, url, body) {
    if (method === "POST") return window.inboxmine.post(url, body);
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": window.inboxmine.csrfToken, "Accept": "application/json" },
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error((data && data.detail) || ("HTTP " + response.status));
        return data;
      });
    });
  }
  function pct(figures) {
    return figures.precision === null ? "\u2014" : Math.round(figures.precision * 100) + "%";
  }
  function setText(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = text;
  }
  function showQuality() {
    return fetch("/api/gems/quality", { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (q) {
        setText("quality-overall", pct(q));
        setText("quality-rated", String(q.rated));
        setText("quality-good", String(q.good));
        setText("quality-bad", String(q.bad));
        q.top.forEach(function (t) {
          setText("quality-top" + t.top, pct(t));
          setText("quality-top" + t.top + "-rated", "(" + t.rated + " rated)");
        });
        setText("quality-note", q.note || "");
        var types = document.getElementById("quality-types");
        if (types) {
          types.textContent = "";
          q.by_type.forEach(function (t) {
            var chip = document.createElement("span");
            chip.className = "badge bg-secondary-lt";
            chip.setAttribute("data-gem-type", t.gem_type);
            chip.textContent = t.gem_type + " " + pct(t) + " (" + t.rated + ")";
            types.appendChild(chip);
          });
        }
      });
  }
  function showRating(gemId, result) {
    var label = document.querySelector('[data-gem-rating="' + gemId + '"]');
    var rating = result.rating;
    if (label) {
      label.textContent = rating
        ? "rated " + rating.rating + (rating.reason ? " (" + rating.reason.replace(/_/g, " ") + ")" : "")
        : "not rated";
      label.setAttribute("data-rating", rating ? rating.rating : "");
      label.classList.toggle("bg-green-lt", !!rating && rating.rating === "good");
      label.classList.toggle("bg-red-lt", !!rating && rating.rating === "bad");
      label.classList.toggle("bg-secondary-lt", !rating);
    }
    var clear = document.querySelector('.gem-unrate[data-gem-id="' + gemId + '"]');
    if (clear) clear.hidden = !rating;
    var badge = document.querySelector('.gem-card[data-gem-id="' + gemId + '"] .gem-status .badge');
    if (badge) { badge.textContent = result.status; badge.setAttribute("data-status", result.status); }
    var taught = (result.suppressions || []).map(function (s) {
      return s.gem_type + " from " + s.sender_domain + (s.thread_key ? " (this thread)" : "");
    });
    var text = rating ? "Rated " + rating.rating + "." : "Rating removed.";
    if (taught.length) text += " Not proposed again: " + taught.join("; ") + ".";
    if (result.trust && result.trust.verdict && result.trust.source === "rating") text += " Sender marked " + result.trust.verdict + ".";
    say(gemId, text);
  }
  function say(gemId, text, isError) {
    var box = document.querySelector('[data-gem-message="' + gemId + '"]');
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("text-danger", !!isError);
  }
  document.addEventListener("click", function (event) {
    var rate = event.target.closest(".gem-rate, .gem-unrate");
    if (rate) {
      var ratedId = rate.getAttribute("data-gem-id");
      var url = "/api/gems/" + encodeURIComponent(ratedId) + "/rating";
      var request;
      if (rate.classList.contains("gem-unrate")) {
        request = send("DELETE", url);
      } else {
        var body = { rating: rate.getAttribute("data-rating") };
        var picker = document.querySelector('.gem-reason[data-gem-id="' + ratedId + '"]');
        if (body.rating === "bad" && picker && picker.value) body.reason = picker.value;
        request = send("POST", url, body);
      }
      rate.disabled = true;
      request
        .then(function (result) { showRating(ratedId, result); return showQuality(); })
        .catch(function (error) { say(ratedId, "Could not rate the gem: " + error.message, true); })
        .finally(function () { rate.disabled = false; });
      return;
    }
    var draft = event.target.closest(".gem-draft");
    if (draft) {
      var gemId = draft.getAttribute("data-gem-id");
      draft.disabled = true;
      say(gemId, "queuing a draft…");
      window.inboxmine.post("/api/gems/" + encodeURIComponent(gemId) + "/generate")
        .then(function (result) {
          say(gemId, "Draft queued as run " + result.run_ids.join(", ") + ". It appears under Drafts and in the gem's Detail when the run is done.");
        })
        .catch(function (error) { say(gemId, "Could not queue a draft: " + error.message, true); })
        .finally(function () { draft.disabled = false; });
      return;
    }
    var button = event.target.closest(".gem-status-btn");
    if (button) {
      var id = button.getAttribute("data-gem-id");
      var status = button.getAttribute("data-status");
      window.inboxmine.post("/api/gems/" + encodeURIComponent(id) + "/status", { status: status })
        .then(function (gem) {
          var badge = document.querySelector('[data-gem-id="' + id + '"] .gem-status .badge');
          if (badge) { badge.textContent = gem.status; badge.setAttribute("data-status", gem.status); }
          say(id, "Marked " + gem.status + ".");
        })
        .catch(function (error) { say(id, "Could not change the status: " + error.message, true); });
    }
  });
})();

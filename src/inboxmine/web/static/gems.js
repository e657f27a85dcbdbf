// Gem Explorer buttons: Generate Draft (queues engage for the gem), Mark acted, Dismiss.
(function () {
  "use strict";
  function say(gemId, text, isError) {
    var box = document.querySelector('[data-gem-message="' + gemId + '"]');
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("text-danger", !!isError);
  }
  document.addEventListener("click", function (event) {
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

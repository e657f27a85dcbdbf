// Pipeline Control: run buttons, the live output panel (Server-Sent Events), fresh counts.
// Every text from the server is set with textContent: nothing is parsed as HTML.
(function () {
  "use strict";
  var output = document.getElementById("live-output");
  var state = document.getElementById("stream-state");
  var seen = new Set();          // "runId:type" lines already shown (reconnects replay)
  var progressLines = new Map(); // runId -> the line showing its progress
  var active = new Set();        // runs queued or running

  function line(text, kind) {
    var div = document.createElement("div");
    div.className = "ev-" + kind;
    div.textContent = text;
    output.appendChild(div);
    output.scrollTop = output.scrollHeight;
    return div;
  }

  function setButtons() {
    var busy = active.size > 0;
    document.querySelectorAll(".run-stage, #run-all").forEach(function (b) {
      if (b.id === "run-all" && b.getAttribute("data-empty") === "1") return;
      b.disabled = busy;
    });
  }

  function show(type, ev) {
    var key = ev.run_id + ":" + type;
    var label = ev.stage + " (run " + ev.run_id + ")";
    if (type === "progress") {
      var total = ev.items_total != null ? "/" + ev.items_total : "";
      var text = "  " + label + ": " + ev.items_processed + total + " items" + (ev.items_failed ? ", " + ev.items_failed + " failed" : "");
      var existing = progressLines.get(ev.run_id);
      if (existing) { existing.textContent = text; } else { progressLines.set(ev.run_id, line(text, "progress")); }
      active.add(ev.run_id);
      setButtons();
      return;
    }
    if (seen.has(key)) return;
    seen.add(key);
    if (type === "queued") { line("[QUEUED] " + label, "note"); active.add(ev.run_id); }
    if (type === "started") { line("[STARTED] " + label, "started"); active.add(ev.run_id); }
    if (type === "done") {
      line("[DONE] " + ev.items_processed + " items — " + label + (ev.items_failed ? " (" + ev.items_failed + " items failed: see the run's detail)" : ""), "done");
      active.delete(ev.run_id);
      refresh();
    }
    if (type === "failed") {
      line("[FAILED] " + (ev.error || "failed") + " — " + label, "failed");
      active.delete(ev.run_id);
      refresh();
    }
    setButtons();
  }

  function connect() {
    var source = new EventSource("/api/pipeline/stream");
    source.addEventListener("open", function () { state.textContent = "connected"; state.className = "ms-3 small text-success"; });
    source.addEventListener("error", function () {
      state.textContent = "connection lost: reconnecting…";
      state.className = "ms-3 small text-warning";
    });
    ["queued", "started", "progress", "done", "failed"].forEach(function (type) {
      source.addEventListener(type, function (message) {
        var ev;
        try { ev = JSON.parse(message.data); } catch (e) { return; }
        show(type, ev);
      });
    });
  }

  function cell(text) { var td = document.createElement("td"); td.textContent = text == null ? "" : String(text); return td; }
  function time(value) { return value ? String(value).replace("T", " ").slice(0, 19) : ""; }
  function badge(status, title) {
    var span = document.createElement("span");
    span.className = "badge status-" + status;
    span.textContent = status;
    if (title) span.title = title;
    return span;
  }

  function refresh() {
    fetch("/api/stages", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (stages) {
      stages.forEach(function (s) {
        document.querySelectorAll('[data-count="' + s.key + '"]').forEach(function (el) { el.textContent = s.row_count; });
        document.querySelectorAll('.stage-chip[data-stage="' + s.key + '"]').forEach(function (chip) {
          chip.classList.toggle("has-data", s.row_count > 0);
          chip.classList.toggle("empty", !(s.row_count > 0));
        });
        var last = document.querySelector('[data-last-run="' + s.key + '"]');
        if (last && s.last_run) {
          last.textContent = "last run: ";
          last.appendChild(badge(s.last_run.status, s.last_run.error_message));
          last.appendChild(document.createTextNode(" " + s.last_run.items_processed + " items"));
        }
      });
    });
    fetch("/api/pipeline/runs?sort=id&order=desc&limit=30", { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (page) {
      var body = document.querySelector("#history-table tbody");
      if (!body) return;
      body.textContent = "";
      page.items.forEach(function (run) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-run-id", run.id);
        var idCell = document.createElement("td");
        var link = document.createElement("a");
        link.href = "/admin/pipeline-runs/details/" + encodeURIComponent(run.id);
        link.textContent = run.id;
        idCell.appendChild(link);
        tr.appendChild(idCell);
        tr.appendChild(cell(run.stage));
        var statusCell = document.createElement("td");
        statusCell.appendChild(badge(run.status));
        tr.appendChild(statusCell);
        tr.appendChild(cell(time(run.started_at)));
        tr.appendChild(cell(time(run.completed_at)));
        tr.appendChild(cell(run.items_processed));
        tr.appendChild(cell(run.triggered_by));
        var err = cell((run.error_message || "").slice(0, 120));
        err.title = run.error_message || "";
        tr.appendChild(err);
        body.appendChild(tr);
      });
    });
  }

  function start(stage) {
    var url = "/api/pipeline/run/" + encodeURIComponent(stage);
    var retrain = document.getElementById("retrain");
    if (retrain && retrain.checked && (stage === "classify" || stage === "all")) url += "?retrain=true";
    window.inboxmine.post(url).then(function (result) {
      result.run_ids.forEach(function (id, i) {
        show("queued", { run_id: id, stage: result.stages[i] });
      });
    }).catch(function (error) { line("[ERROR] " + error.message, "failed"); });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".run-stage, #run-all");
    if (button && !button.disabled) { start(button.getAttribute("data-stage")); return; }
    if (event.target.closest("#clear-output")) { output.textContent = ""; progressLines.clear(); }
  });

  var runAll = document.getElementById("run-all");
  if (runAll && runAll.disabled) runAll.setAttribute("data-empty", "1");
  connect();
})();

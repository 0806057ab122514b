// medcoder workbench: a little plain JavaScript over server-rendered pages (no build step).
// Keyboard: j/k next/previous code, a accept, r reject, e edit, J/K move, / lookup, ? help.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";
  var help = document.getElementById("help");

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  function api(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf; }
    return fetch(url, opts).then(function (r) {
      return r.json().then(function (j) {
        if (!r.ok) { throw new Error("[" + (j.code || r.status) + "] " + (j.detail || r.statusText)); }
        return j;
      });
    });
  }
  function showHelp() { if (help && !help.open) { help.showModal(); } }
  document.querySelectorAll("[data-help-open]").forEach(function (b) { b.addEventListener("click", showHelp); });

  var grid = document.querySelector(".enc-grid");
  var lastKey = "";
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    if (ev.key === "Escape") {
      if (typing(document.activeElement)) { document.activeElement.blur(); }
      return;
    }
    if (typing(ev.target)) { return; }
    if (ev.key === "?") { ev.preventDefault(); showHelp(); return; }
    if (lastKey === "g" && ev.key === "w") { window.location.href = "/worklist"; return; }
    lastKey = ev.key;
    if (grid) { encounterKey(ev); }
  });

  if (!grid) { return; }
  // ---- the encounter page -----------------------------------------------------------------
  var encId = grid.dataset.encounter;
  var items = Array.prototype.slice.call(document.querySelectorAll("#codes li.code"));
  var detail = document.getElementById("detail");
  var current = -1;

  function marksFor(code) {
    return Array.prototype.filter.call(document.querySelectorAll("#note mark"), function (m) {
      return (m.dataset.code || "").split(" ").indexOf(code) >= 0;
    });
  }
  function select(i, scroll) {
    if (!items.length) { return; }
    current = Math.max(0, Math.min(items.length - 1, i));
    items.forEach(function (li, k) {
      li.classList.toggle("selected", k === current);
      li.setAttribute("aria-current", k === current ? "true" : "false");
    });
    var li = items[current];
    document.querySelectorAll("#note mark.active").forEach(function (m) { m.classList.remove("active"); });
    var marks = marksFor(li.dataset.code);
    marks.forEach(function (m) { m.classList.add("active"); });
    var src = li.querySelector("template.detail-src");
    if (src && detail) { detail.innerHTML = ""; detail.appendChild(src.content.cloneNode(true)); }
    if (scroll !== false) {
      li.scrollIntoView({ block: "nearest" });
      if (marks.length) { marks[0].scrollIntoView({ block: "nearest" }); }
    }
    try { sessionStorage.setItem("mc-sel-" + encId, String(current)); } catch (e) { /* private mode */ }
  }
  items.forEach(function (li, k) {
    var b = li.querySelector(".code-btn");
    if (b) { b.addEventListener("click", function () { select(k); }); }
  });
  // a mark in the note selects its (first) code
  document.querySelectorAll("#note mark").forEach(function (m) {
    m.addEventListener("click", function () {
      if (String(window.getSelection()).trim()) { return; }
      var code = (m.dataset.code || "").split(" ")[0];
      var k = items.findIndex(function (li) { return li.dataset.code === code; });
      if (k >= 0) { select(k); }
    });
  });

  function pending(li, action) {
    var form = li.querySelector("form.decide");
    if (!form) { return; }
    form.dataset.pending = action;
    var input = form.querySelector(action === "edit" ? ".new-in" : ".reason-in");
    if (input) { input.focus(); }
  }
  document.querySelectorAll("form.decide").forEach(function (form) {
    form.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter" || ev.target.tagName !== "INPUT") { return; }
      ev.preventDefault();
      var action = form.dataset.pending || (form.querySelector(".new-in").value ? "edit" : "reject");
      var btn = form.querySelector("button." + action);
      if (btn) { form.requestSubmit(btn); }
    });
  });

  var saveOrder = document.getElementById("save-order");
  function move(li, delta) {
    if (li.dataset.kind !== "diagnosis") { return; }
    var sib = delta < 0 ? li.previousElementSibling : li.nextElementSibling;
    if (!sib || sib.dataset.kind !== "diagnosis" || sib.classList.contains("rejected")) { return; }
    if (delta < 0) { li.parentNode.insertBefore(li, sib); } else { li.parentNode.insertBefore(sib, li); }
    items = Array.prototype.slice.call(document.querySelectorAll("#codes li.code"));
    current = items.indexOf(li);
    if (saveOrder) { saveOrder.hidden = false; }
    li.querySelectorAll(".move")[delta < 0 ? 0 : 1].focus();
  }
  document.querySelectorAll("button.move").forEach(function (b) {
    b.addEventListener("click", function () { move(b.closest("li"), parseInt(b.dataset.move, 10)); });
  });
  if (saveOrder) {
    saveOrder.addEventListener("click", function () {
      var codes = items.filter(function (li) {
        return li.dataset.kind === "diagnosis" && !li.classList.contains("rejected");
      }).map(function (li) { return li.dataset.code; });
      api("PUT", "/api/v1/encounters/" + encId + "/sequence", { codes: codes, version: parseInt(grid.dataset.version, 10) })
        .then(function () { window.location.reload(); })
        .catch(function (e) { window.alert(e.message); });
    });
  }

  // lookup: the search box, or words selected in the note
  var lform = document.getElementById("lookup-form");
  var lq = document.getElementById("lookup-q");
  var results = document.getElementById("lookup-results");
  function lookup(q) {
    if (!q || !results) { return; }
    var kind = document.getElementById("lookup-kind").value;
    var url = "/api/v1/lookup?q=" + encodeURIComponent(q) + "&kind=" + kind +
      (grid.dataset.dos ? "&date=" + encodeURIComponent(grid.dataset.dos) : "") + "&limit=10";
    results.textContent = "Searching…";
    api("GET", url).then(function (rows) {
      results.textContent = "";
      if (!rows.length) { results.textContent = "No code found."; return; }
      rows.forEach(function (r) {
        var li = document.createElement("li");
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = r.code;
        b.setAttribute("aria-label", "Choose " + r.code);
        b.addEventListener("click", function () {
          document.getElementById("add-code").value = r.code;
          document.getElementById("add-kind").value = r.kind || kind;
          document.getElementById("add-reason").focus();
        });
        li.appendChild(b);
        li.appendChild(document.createTextNode(" " + (r.title || "")));
        results.appendChild(li);
      });
    }).catch(function (e) { results.textContent = e.message; });
  }
  if (lform) {
    lform.addEventListener("submit", function (ev) { ev.preventDefault(); lookup(lq.value.trim()); });
  }
  var note = document.getElementById("note");
  if (note && lq) {
    note.addEventListener("mouseup", function () {
      var s = String(window.getSelection()).trim();
      if (s && s.length <= 200) { lq.value = s; lookup(s); }
    });
  }
  document.querySelectorAll(".use-draft").forEach(function (b) {
    b.addEventListener("click", function () {
      var t = document.getElementById("q-question");
      if (t) { t.value = b.dataset.question; t.focus(); }
    });
  });

  function encounterKey(ev) {
    var li = items[current];
    switch (ev.key) {
      case "j": ev.preventDefault(); select(current + 1); break;
      case "k": ev.preventDefault(); select(current <= 0 ? 0 : current - 1); break;
      case "J": if (li) { ev.preventDefault(); move(li, 1); } break;
      case "K": if (li) { ev.preventDefault(); move(li, -1); } break;
      case "a":
        if (li) {
          var btn = li.querySelector("button.accept");
          if (btn) { ev.preventDefault(); btn.closest("form").requestSubmit(btn); }
        }
        break;
      case "r": if (li) { ev.preventDefault(); pending(li, "reject"); } break;
      case "e": if (li) { ev.preventDefault(); pending(li, "edit"); } break;
      case "/":
        if (lq) {
          ev.preventDefault();
          var s = String(window.getSelection()).trim();
          if (s) { lq.value = s; }
          lq.focus();
          lq.select();
        }
        break;
      default: break;
    }
  }

  // the audit panel: a finding's button marks its evidence in the note
  document.querySelectorAll(".finding-btn").forEach(function (b) {
    b.addEventListener("click", function () {
      var id = b.dataset.finding;
      var first = null;
      document.querySelectorAll("#note mark.audit").forEach(function (m) {
        var on = (m.dataset.finding || "").split(" ").indexOf(id) >= 0;
        m.classList.toggle("active", on);
        if (on && !first) { first = m; }
      });
      if (first) { first.scrollIntoView({ block: "nearest" }); }
    });
  });

  var saved = -1;
  try { saved = parseInt(sessionStorage.getItem("mc-sel-" + encId) || "-1", 10); } catch (e) { saved = -1; }
  var hash = window.location.hash.match(/^#code-(\d+)$/);
  if (hash) { saved = parseInt(hash[1], 10) - 1; }
  if (items.length) { select(saved >= 0 ? saved : 0, saved >= 0); }
})();

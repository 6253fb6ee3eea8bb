/* evalkit report: the per-sample table and its transcripts.
 * Data comes from <script type="application/json"> blocks and every string
 * from a record is placed with textContent: outputs are untrusted. */
(function () {
  "use strict";
  var t0 = performance.now();
  var PAGE = 100;
  var IMAGE_URI = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+\/]+={0,2}$/;

  function $(id) {
    return document.getElementById(id);
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  // secs, usd and num write figures as evalkit/report/format.py does.
  function decimals(v) { // three significant digits
    return v === 0 || !isFinite(v) ? 0 : Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
  }
  function round3(v) {
    var f = Math.pow(10, decimals(v));
    return Math.round(v * f) / f;
  }
  function grouped(v, digits) {
    return v.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function secs(v) {
    if (v === null || v === undefined) return "–";
    v = round3(v);
    if (Math.abs(v) < 1) {
      var ms = round3(v * 1000);
      return grouped(ms, decimals(ms)) + " ms";
    }
    return grouped(v, decimals(v)) + " s";
  }
  function usd(v) {
    if (v === null || v === undefined) return "–";
    var sign = v < 0 ? "-" : "";
    v = Math.abs(v);
    if (v < 1) v = round3(v);
    if (v >= 1 || v === 0) return sign + "$" + grouped(v, 2);
    var parts = v.toFixed(decimals(v)).split(".");
    var frac = parts[1].replace(/0+$/, "");
    while (frac.length < 2) frac += "0";
    return sign + "$" + parts[0] + "." + frac;
  }
  function num(v, digits) {
    if (v === null || v === undefined) return "–";
    return Number(v).toLocaleString("en-US", {
      minimumFractionDigits: digits || 0,
      maximumFractionDigits: digits || 0
    });
  }

  var rowsBlock = $("ek-rows");
  if (!rowsBlock) return;
  var data = JSON.parse(rowsBlock.textContent);
  var C = {};
  data.cols.forEach(function (c, i) {
    C[c] = i;
  });
  var rows = data.rows;
  var n = rows.length;
  var hay = new Array(n);
  var result = new Array(n);
  for (var i = 0; i < n; i++) {
    var r = rows[i];
    result[i] = r[C.status] === "error" || r[C.status] === "skipped" ? r[C.status]
      : r[C.passed] ? "pass" : "fail";
    // Precomputed once: filtering is then a scan of lowercase strings.
    hay[i] = [r[C.arm], r[C.suite], r[C.sample_id], r[C.error_type] || "", r[C.error_message] || "",
      r[C.output] || "", r[C.tool_names] || "", r[C.skip_reason] || ""].join("\n").toLowerCase();
  }

  var DETAILS = null;
  function details() {
    // Transcripts are parsed on the first expand only: the initial render stays fast.
    if (DETAILS === null) DETAILS = JSON.parse($("ek-details").textContent);
    return DETAILS;
  }

  var state = { arm: "", suite: "", result: "", etype: "", terms: [], page: 0 };
  var open = new Set();
  var view = [];
  var tbody = $("ek-tbody");
  var ncols = document.querySelectorAll("#ek-table thead th").length;

  function fill(select, column) {
    var seen = {};
    rows.forEach(function (r) {
      var v = r[C[column]];
      if (v !== null && v !== undefined && v !== "") seen[v] = true;
    });
    Object.keys(seen).sort().forEach(function (v) {
      var o = el("option", null, v);
      o.value = v;
      select.appendChild(o);
    });
  }
  fill($("ek-f-arm"), "arm");
  fill($("ek-f-suite"), "suite");
  fill($("ek-f-etype"), "error_type");

  function applyFilters() {
    view = [];
    var terms = state.terms;
    for (var i = 0; i < n; i++) {
      var r = rows[i];
      if (state.arm && r[C.arm] !== state.arm) continue;
      if (state.suite && r[C.suite] !== state.suite) continue;
      if (state.result && result[i] !== state.result) continue;
      if (state.etype && r[C.error_type] !== state.etype) continue;
      var ok = true;
      for (var t = 0; t < terms.length; t++) {
        if (hay[i].indexOf(terms[t]) < 0) {
          ok = false;
          break;
        }
      }
      if (ok) view.push(i);
    }
    state.page = 0;
    render();
  }

  function td(text, cls) {
    return el("td", cls, text);
  }

  function rowEl(i) {
    var r = rows[i];
    var tr = el("tr", open.has(i) ? "row open" : "row");
    tr.dataset.i = String(i);
    tr.tabIndex = 0;
    tr.setAttribute("aria-expanded", open.has(i) ? "true" : "false");
    tr.appendChild(td(i + 1, "num muted"));
    tr.appendChild(td(r[C.arm]));
    tr.appendChild(td(r[C.suite]));
    tr.appendChild(td(r[C.sample_id] + (r[C.epoch] ? " · e" + r[C.epoch] : "")));
    var res = td();
    res.appendChild(el("span", "tag " + result[i], result[i]));
    tr.appendChild(res);
    tr.appendChild(td(r[C.score] === null ? "–" : num(r[C.score], 2), "num"));
    tr.appendChild(td(r[C.error_type] || ""));
    tr.appendChild(td(secs(r[C.e2e_s]), "num"));
    tr.appendChild(td(secs(r[C.ttft_s]), "num"));
    tr.appendChild(td(num(r[C.completion_tokens]), "num"));
    tr.appendChild(td(usd(r[C.cost_usd]), "num"));
    var preview = result[i] === "error" ? r[C.error_message] || ""
      : result[i] === "skipped" ? "skipped: " + (r[C.skip_reason] || "") : r[C.output] || "";
    if (!preview && r[C.tool_names]) preview = "→ " + r[C.tool_names];
    tr.appendChild(td(preview.slice(0, 200).replace(/\s+/g, " "), "out"));
    return tr;
  }

  function render() {
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * PAGE;
    var end = Math.min(view.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      frag.appendChild(rowEl(view[k]));
      if (open.has(view[k])) frag.appendChild(detailEl(view[k]));
    }
    if (!view.length) {
      var empty = el("td", "empty", "No record matches these filters.");
      empty.colSpan = ncols;
      var tr = el("tr");
      tr.appendChild(empty);
      frag.appendChild(tr);
    }
    tbody.replaceChildren(frag);
    $("ek-count").textContent = num(view.length) + " of " + num(n) + " records";
    $("ek-page").textContent = view.length
      ? "rows " + num(start + 1) + "–" + num(end) + " · page " + (state.page + 1) + " of " + pages
      : "";
    $("ek-prev").disabled = state.page === 0;
    $("ek-next").disabled = state.page >= pages - 1;
  }

  function pre(text, cls) {
    return el("pre", cls, text);
  }

  function isPlainObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }

  function diffEl(diff) {
    if (isPlainObject(diff)) {
      // A structured diff (e.g. tool-call arguments): one row per field.
      var keys = Object.keys(diff);
      if (keys.every(function (k) { return isPlainObject(diff[k]) && "expected" in diff[k]; })) {
        var table = el("table", "diff");
        var head = el("tr");
        ["field", "expected", "got", ""].forEach(function (h) { head.appendChild(el("th", null, h)); });
        table.appendChild(head);
        keys.forEach(function (k) {
          var d = diff[k];
          var tr = el("tr", d.ok === false ? "del" : d.ok === true ? "add" : null);
          tr.appendChild(el("td", "mono", k));
          tr.appendChild(el("td", "mono", JSON.stringify(d.expected)));
          tr.appendChild(el("td", "mono", JSON.stringify(d.got)));
          tr.appendChild(el("td", null, d.ok === false ? "✗" : d.ok === true ? "✓" : ""));
          table.appendChild(tr);
        });
        return table;
      }
      return pre(JSON.stringify(diff, null, 2));
    }
    if (typeof diff !== "string") return pre(JSON.stringify(diff, null, 2));
    var p = el("pre", "diff");
    diff.split("\n").forEach(function (line) {
      var cls = /^\+(?!\+\+)/.test(line) ? "add" : /^-(?!--)/.test(line) ? "del" : null;
      p.appendChild(el("span", cls, line + "\n"));
    });
    return p;
  }

  function partsEl(box, parts) {
    parts.forEach(function (p) {
      if (p.t === "img" && IMAGE_URI.test(p.v)) {
        var img = el("img", "thumb");
        img.alt = "image part";
        img.src = p.v;
        box.appendChild(img);
      } else if (p.t === "note") {
        box.appendChild(el("div", "note", p.v));
      } else {
        box.appendChild(pre(p.v));
      }
    });
  }

  function prettyJSON(text) {
    try {
      return JSON.stringify(JSON.parse(text), null, 2);
    } catch (e) {
      return text;
    }
  }

  function callsEl(box, calls) {
    calls.forEach(function (c) {
      var m = el("div", "msg tool");
      var head = el("div", "callname", "call ");
      head.appendChild(el("code", null, c.name));
      m.appendChild(head);
      m.appendChild(pre(prettyJSON(c.args)));
      box.appendChild(m);
    });
  }

  var TIMINGS = [
    ["queue_s", "Queue", secs], ["ttft_s", "TTFT", secs], ["e2e_s", "E2E", secs],
    ["tpot_s", "TPOT", secs], ["itl_mean_s", "ITL mean", secs], ["itl_p90_s", "ITL p90", secs],
    ["output_tps", "Output tok/s", function (v) { return num(v, 1); }],
    ["prompt_tokens", "Prompt tokens", num], ["completion_tokens", "Output tokens", num],
    ["tokens_source", "Token count", String], ["cost_usd", "Cost", usd],
    ["attempts", "Attempts", num], ["retry_wait_s", "Retry wait", secs],
    ["http_status", "HTTP status", String], ["finish_reason", "Finish reason", String],
    ["started_at", "Started", String]
  ];

  function detailEl(i) {
    var all = details();
    var d = all.records[i];
    var sample = all.samples[d.key];
    var tr = el("tr", "detail");
    var cell = el("td");
    cell.colSpan = ncols;
    var wrap = el("div", "tx");
    var left = el("div");
    var right = el("div");
    left.appendChild(el("h4", null, "Messages"));
    if (!sample) {
      left.appendChild(el("div", "note", "Sample not found in the run's samples/ folder."));
    } else {
      sample.messages.forEach(function (m) {
        var box = el("div", "msg " + m.role);
        box.appendChild(el("div", "role", m.role + (m.tool_call_id ? " · " + m.tool_call_id : "")));
        partsEl(box, m.parts);
        if (m.calls) callsEl(box, m.calls);
        left.appendChild(box);
      });
      if (sample.expected !== null) {
        left.appendChild(el("h4", null, "Expected"));
        left.appendChild(pre(sample.expected));
      }
    }
    left.appendChild(el("h4", null, "Output"));
    var out = el("div", "msg output");
    out.appendChild(d.output ? pre(d.output) : el("div", "muted", "(no text)"));
    if (d.output_note) out.appendChild(el("div", "note", d.output_note));
    left.appendChild(out);
    if (d.calls.length) {
      left.appendChild(el("h4", null, "Tool calls"));
      callsEl(left, d.calls);
    }
    if (d.error) {
      left.appendChild(el("h4", null, "Error"));
      left.appendChild(pre(d.error));
    }
    right.appendChild(el("h4", null, "Graders"));
    if (!d.scores.length) right.appendChild(el("div", "muted", "not graded"));
    d.scores.forEach(function (s) {
      var box = el("div", "score");
      var head = el("div");
      head.appendChild(el("span", "tag " + (s.passed ? "pass" : "fail"), s.passed ? "pass" : "fail"));
      head.appendChild(document.createTextNode(" " + s.grader + " · score " + num(s.score, 2)));
      box.appendChild(head);
      if (s.explanation) box.appendChild(el("div", null, s.explanation));
      if (s.diff) box.appendChild(diffEl(s.diff));
      if (s.details) box.appendChild(pre(s.details));
      right.appendChild(box);
    });
    right.appendChild(el("h4", null, "Timings"));
    var dl = el("dl", "kv");
    TIMINGS.forEach(function (t) {
      var v = d.timings[all.timing_keys.indexOf(t[0])];
      if (v === undefined || v === null) return;
      dl.appendChild(el("dt", null, t[1]));
      dl.appendChild(el("dd", null, t[2](v)));
    });
    right.appendChild(dl);
    wrap.appendChild(left);
    wrap.appendChild(right);
    cell.appendChild(wrap);
    tr.appendChild(cell);
    return tr;
  }

  function toggle(tr) {
    var i = Number(tr.dataset.i);
    if (open.has(i)) {
      open.delete(i);
      var next = tr.nextElementSibling;
      if (next && next.classList.contains("detail")) next.remove();
    } else {
      open.add(i);
      tr.after(detailEl(i));
    }
    tr.classList.toggle("open", open.has(i));
    tr.setAttribute("aria-expanded", open.has(i) ? "true" : "false");
  }

  tbody.addEventListener("click", function (ev) {
    if (ev.target.closest("tr.detail")) return;
    var tr = ev.target.closest("tr.row");
    if (tr) toggle(tr);
  });
  tbody.addEventListener("keydown", function (ev) {
    var tr = ev.target.closest && ev.target.closest("tr.row");
    if (tr && (ev.key === "Enter" || ev.key === " ")) {
      ev.preventDefault();
      toggle(tr);
    }
  });
  [["ek-f-arm", "arm"], ["ek-f-suite", "suite"], ["ek-f-result", "result"], ["ek-f-etype", "etype"]]
    .forEach(function (pair) {
      $(pair[0]).addEventListener("change", function (ev) {
        state[pair[1]] = ev.target.value;
        applyFilters();
      });
    });
  var timer = null;
  $("ek-q").addEventListener("input", function (ev) {
    clearTimeout(timer);
    var value = ev.target.value;
    timer = setTimeout(function () {
      state.terms = value.toLowerCase().split(/\s+/).filter(Boolean);
      applyFilters();
    }, 120);
  });
  $("ek-prev").addEventListener("click", function () {
    state.page -= 1;
    render();
  });
  $("ek-next").addEventListener("click", function () {
    state.page += 1;
    render();
  });

  applyFilters();
  window.__evalkitRenderMs = performance.now() - t0;
  // Also on the root element, where a DOM dump (chromium --dump-dom) can read it.
  document.documentElement.setAttribute("data-render-ms", window.__evalkitRenderMs.toFixed(1));
})();

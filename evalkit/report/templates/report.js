/* evalkit report: the per-sample table, its two views, and the transcripts.
 * Data comes from base64 blocks of deflated JSON (report/packing.py), inflated
 * with the browser's DecompressionStream: the rows after the first paint, a
 * block of transcripts when one of its rows is first opened. Every string
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

  // --- data blocks -----------------------------------------------------------------------
  function bytesOf(b64) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(b64);
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  function inflate(id) {
    var node = $(id);
    if (!node) return Promise.reject(new Error("no data block " + id));
    var stream = new Blob([bytesOf(node.textContent.trim())]).stream()
      .pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(JSON.parse);
  }
  var loaded = {}; // block id -> its data, once inflated
  var loading = {}; // block id -> the promise of it
  function need(ids) {
    return Promise.all(ids.map(function (id) {
      if (!loading[id]) {
        loading[id] = inflate(id).then(function (data) {
          loaded[id] = data;
          return data;
        });
      }
      return loading[id];
    }));
  }
  function have(ids) {
    return ids.every(function (id) { return id in loaded; });
  }

  var tbody = $("ek-tbody");
  if (!tbody || !$("ek-rows")) return;

  function fail(err) {
    var td = el("td", "empty", "The table's data could not be read: " + err);
    td.colSpan = 12;
    var tr = el("tr");
    tr.appendChild(td);
    tbody.replaceChildren(tr);
    document.documentElement.setAttribute("data-render-ms", "-1");
  }
  if (typeof DecompressionStream === "undefined") {
    fail("this browser has no DecompressionStream (Chrome 80, Firefox 113, Safari 16.4 or later)");
    return;
  }
  need(["ek-rows"]).then(function (blocks) { start(blocks[0]); }).catch(fail);

  function start(data) {
    var cols = data.cols;
    var labels = data.labels;
    var n = data.n;
    var CHUNK = data.chunk;
    var arms = labels.arm;
    var RESULT = labels.res;
    var hay = new Array(n);
    for (var i = 0; i < n; i++) {
      // Precomputed once: filtering is then a scan of lowercase strings.
      hay[i] = [arms[cols.arm[i]], labels.suite[cols.suite[i]], cols.sample_id[i],
        cols.error_type[i] < 0 ? "" : labels.error_type[cols.error_type[i]],
        cols.error_message[i] || "", cols.output[i] || "", cols.tool_names[i] || ""
      ].join("\n").toLowerCase();
    }

    // Groups: the records of one (suite, sample, epoch), one per target, side by side.
    var members = {}; // group index -> record index per arm (-1: none)
    var groupIds = [];
    for (i = 0; i < n; i++) {
      var g = cols.g[i];
      if (!members[g]) {
        members[g] = new Array(arms.length).fill(-1);
        groupIds.push(g);
      }
      if (members[g][cols.arm[i]] < 0) members[g][cols.arm[i]] = i;
    }
    var position = {}; // group index -> its place in the records' order
    groupIds.forEach(function (gi, k) { position[gi] = k; });
    var split = {}; // group index -> true when its targets' results differ
    groupIds.forEach(function (gi) {
      var seen = {};
      members[gi].forEach(function (r) { if (r >= 0) seen[cols.res[r]] = true; });
      if (Object.keys(seen).length > 1) split[gi] = true;
    });
    var multi = arms.length > 1;

    var state = { arm: "", suite: "", result: "", etype: "", terms: [], page: 0, view: "records" };
    var sorts = { records: null, samples: null }; // {key, dir} per view
    var open = { records: new Set(), samples: new Set() };
    var view = [];

    function fill(select, names) {
      names.slice().sort().forEach(function (name) {
        var o = el("option", null, name);
        o.value = name;
        select.appendChild(o);
      });
    }
    fill($("ek-f-arm"), arms);
    fill($("ek-f-suite"), labels.suite);
    fill($("ek-f-etype"), labels.error_type);
    if (multi) {
      $("ek-view-wrap").hidden = false;
      var o = el("option", null, "targets disagree");
      o.value = "split";
      $("ek-f-result").appendChild(o);
    }

    // A filter's value is a name; its code (-2: no such name, matches nothing) is looked up once.
    var code = {};
    function codeOf(name, list) {
      return name === "" ? -1 : list.indexOf(name) < 0 ? -2 : list.indexOf(name);
    }
    function keep(r) {
      if (code.arm !== -1 && cols.arm[r] !== code.arm) return false;
      if (code.suite !== -1 && cols.suite[r] !== code.suite) return false;
      if (state.result === "split") {
        if (!split[cols.g[r]]) return false;
      } else if (state.result && RESULT[cols.res[r]] !== state.result) {
        return false;
      }
      if (code.etype !== -1 && cols.error_type[r] !== code.etype) return false;
      for (var t = 0; t < state.terms.length; t++) {
        if (hay[r].indexOf(state.terms[t]) < 0) return false;
      }
      return true;
    }

    // --- sorting: a header click sorts by its column, again reverses ---------------------
    function numeric(values) {
      return function (r) { return values[r] === null ? null : values[r]; };
    }
    function errorKey(r) { return cols.error_type[r] < 0 ? null : cols.error_type[r]; }
    function textKey(r) {
      var v = cols.res[r] === 2 ? cols.error_message[r] : cols.output[r] || cols.tool_names[r];
      return v ? v.toLowerCase() : null;
    }
    var RECORD_COLUMNS = [
      { label: "#", num: true, key: function (r) { return r; } },
      { label: "Target", key: function (r) { return cols.arm[r]; } },
      { label: "Suite", key: function (r) { return cols.suite[r]; } },
      { label: "Sample", key: function (r) { return cols.g[r]; } },
      { label: "Result", key: function (r) { return cols.res[r]; } },
      { label: "Score", num: true, key: numeric(cols.score) },
      { label: "Error", key: errorKey },
      { label: "E2E", num: true, key: numeric(cols.e2e_s) },
      { label: "TTFT", num: true, key: numeric(cols.ttft_s) },
      { label: "Out tok", num: true, key: numeric(cols.completion_tokens) },
      { label: "Cost", num: true, key: numeric(cols.cost_usd) },
      { label: "Output", key: textKey }
    ];
    function armKey(a) {
      return function (gi) {
        var r = members[gi][a];
        return r < 0 ? null : cols.res[r] * 2 - (cols.score[r] || 0); // pass, fail, error
      };
    }
    var GROUP_COLUMNS = [
      { label: "#", num: true, key: function (gi) { return position[gi]; } },
      { label: "Suite", key: function (gi) { return cols.suite[first(gi)]; } },
      { label: "Sample", key: function (gi) { return gi; } }
    ].concat(arms.map(function (arm, a) { return { label: arm, key: armKey(a), arm: a }; }));
    function first(gi) {
      return members[gi].find(function (r) { return r >= 0; });
    }
    function columns() {
      return state.view === "samples" ? GROUP_COLUMNS : RECORD_COLUMNS;
    }

    function sortBy(items, column, dir) {
      var keys = new Map();
      items.forEach(function (x) { keys.set(x, column.key(x)); });
      return items.slice().sort(function (a, b) {
        var ka = keys.get(a);
        var kb = keys.get(b);
        if (ka === kb) return 0;
        if (ka === null) return 1; // missing values last, whichever the direction
        if (kb === null) return -1;
        return (ka < kb ? -1 : 1) * dir;
      });
    }

    function header() {
      var tr = el("tr");
      var sort = sorts[state.view];
      columns().forEach(function (c, k) {
        var th = el("th", c.num ? "num sortable" : "sortable", c.label);
        th.dataset.col = String(k);
        th.setAttribute("aria-sort", !sort || sort.col !== k ? "none"
          : sort.dir > 0 ? "ascending" : "descending");
        th.tabIndex = 0;
        th.title = "sort by " + c.label;
        tr.appendChild(th);
      });
      $("ek-thead").replaceChildren(tr);
    }

    function applyFilters() {
      var items = [];
      var i;
      code = {
        arm: codeOf(state.arm, arms),
        suite: codeOf(state.suite, labels.suite),
        etype: codeOf(state.etype, labels.error_type)
      };
      if (state.view === "samples") {
        groupIds.forEach(function (gi) {
          if (members[gi].some(function (r) { return r >= 0 && keep(r); })) items.push(gi);
        });
      } else {
        for (i = 0; i < n; i++) if (keep(i)) items.push(i);
      }
      var sort = sorts[state.view];
      view = sort ? sortBy(items, columns()[sort.col], sort.dir) : items;
      state.page = 0;
      render();
    }

    function td(text, cls) {
      return el("td", cls, text);
    }
    function resultTag(r) {
      return el("span", "tag " + RESULT[cols.res[r]], RESULT[cols.res[r]]);
    }
    function preview(r) {
      var text = cols.res[r] === 2 ? cols.error_message[r] || "" : cols.output[r] || "";
      if (!text && cols.tool_names[r]) text = "→ " + cols.tool_names[r];
      return text.slice(0, 200).replace(/\s+/g, " ");
    }
    function sampleName(r) {
      return cols.sample_id[r] + (cols.epoch[r] ? " · e" + cols.epoch[r] : "");
    }

    function recordRow(i, isOpen) {
      var tr = el("tr", isOpen ? "row open" : "row");
      tr.dataset.i = String(i);
      tr.tabIndex = 0;
      tr.setAttribute("aria-expanded", isOpen ? "true" : "false");
      tr.appendChild(td(i + 1, "num muted"));
      tr.appendChild(td(arms[cols.arm[i]]));
      tr.appendChild(td(labels.suite[cols.suite[i]]));
      tr.appendChild(td(sampleName(i)));
      var res = td();
      res.appendChild(resultTag(i));
      tr.appendChild(res);
      tr.appendChild(td(cols.score[i] === null ? "–" : num(cols.score[i], 2), "num"));
      tr.appendChild(td(cols.error_type[i] < 0 ? "" : labels.error_type[cols.error_type[i]]));
      tr.appendChild(td(secs(cols.e2e_s[i]), "num"));
      tr.appendChild(td(secs(cols.ttft_s[i]), "num"));
      tr.appendChild(td(num(cols.completion_tokens[i]), "num"));
      tr.appendChild(td(usd(cols.cost_usd[i]), "num"));
      tr.appendChild(td(preview(i), "out"));
      return tr;
    }

    function groupRow(gi, pos, isOpen) {
      var tr = el("tr", isOpen ? "row group open" : "row group");
      tr.dataset.g = String(gi);
      tr.tabIndex = 0;
      tr.setAttribute("aria-expanded", isOpen ? "true" : "false");
      var r0 = first(gi);
      tr.appendChild(td(pos + 1, "num muted"));
      tr.appendChild(td(labels.suite[cols.suite[r0]]));
      tr.appendChild(td(sampleName(r0)));
      members[gi].forEach(function (r, a) {
        var cell = td(null, "answer");
        cell.dataset.arm = arms[a];
        if (r < 0) {
          cell.appendChild(el("span", "muted", "no record"));
        } else {
          cell.appendChild(resultTag(r));
          if (cols.score[r] !== null) cell.appendChild(el("span", "muted", " " + num(cols.score[r], 2)));
          cell.appendChild(el("div", "out", preview(r).slice(0, 120)));
        }
        tr.appendChild(cell);
      });
      return tr;
    }

    function recordBlocks(r) {
      var ids = ["ek-r" + Math.floor(r / CHUNK)];
      if (cols.s[r] >= 0) ids.push("ek-s" + Math.floor(cols.s[r] / CHUNK)); // -1: no sample
      return ids;
    }
    function blocksOf(item) {
      if (state.view === "records") return recordBlocks(item);
      var ids = [];
      members[item].forEach(function (r) { if (r >= 0) ids = ids.concat(recordBlocks(r)); });
      return ids;
    }
    function detailOf(r) {
      return loaded["ek-r" + Math.floor(r / CHUNK)][r % CHUNK];
    }
    function sampleOf(r) {
      return cols.s[r] < 0 ? null : loaded["ek-s" + Math.floor(cols.s[r] / CHUNK)][cols.s[r] % CHUNK];
    }

    function render() {
      var pages = Math.max(1, Math.ceil(view.length / PAGE));
      if (state.page >= pages) state.page = pages - 1;
      var start = state.page * PAGE;
      var end = Math.min(view.length, start + PAGE);
      var opened = open[state.view];
      var missing = [];
      var frag = document.createDocumentFragment();
      for (var k = start; k < end; k++) {
        var item = view[k];
        var isOpen = opened.has(item);
        frag.appendChild(state.view === "records" ? recordRow(item, isOpen) : groupRow(item, k, isOpen));
        if (!isOpen) continue;
        var ids = blocksOf(item);
        if (have(ids)) {
          frag.appendChild(state.view === "records" ? recordDetail(item) : groupDetail(item));
        } else {
          missing = missing.concat(ids);
        }
      }
      if (!view.length) {
        var empty = el("td", "empty", "No record matches these filters.");
        empty.colSpan = columns().length;
        var tr = el("tr");
        tr.appendChild(empty);
        frag.appendChild(tr);
      }
      tbody.replaceChildren(frag);
      var what = state.view === "records" ? [n, " records"] : [groupIds.length, " samples"];
      $("ek-count").textContent = num(view.length) + " of " + num(what[0]) + what[1];
      $("ek-page").textContent = view.length
        ? "rows " + num(start + 1) + "–" + num(end) + " · page " + (state.page + 1) + " of " + pages
        : "";
      $("ek-prev").disabled = state.page === 0;
      $("ek-next").disabled = state.page >= pages - 1;
      if (missing.length) need(missing).then(render).catch(fail);
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

    function promptEl(box, sample) {
      box.appendChild(el("h4", null, "Messages"));
      if (!sample) {
        box.appendChild(el("div", "note", "Sample not found in the run's samples/ folder."));
        return;
      }
      sample.messages.forEach(function (m) {
        var msg = el("div", "msg " + m.role);
        msg.appendChild(el("div", "role", m.role + (m.tool_call_id ? " · " + m.tool_call_id : "")));
        partsEl(msg, m.parts);
        if (m.calls) callsEl(msg, m.calls);
        box.appendChild(msg);
      });
      if (sample.expected !== null) {
        box.appendChild(el("h4", null, "Expected"));
        box.appendChild(pre(sample.expected));
      }
    }

    function answerEl(box, d) {
      box.appendChild(el("h4", null, "Output"));
      var out = el("div", "msg output");
      out.appendChild(d.output ? pre(d.output) : el("div", "muted", "(no text)"));
      if (d.output_note) out.appendChild(el("div", "note", d.output_note));
      box.appendChild(out);
      if (d.calls.length) {
        box.appendChild(el("h4", null, "Tool calls"));
        callsEl(box, d.calls);
      }
      if (d.error) {
        box.appendChild(el("h4", null, "Error"));
        box.appendChild(pre(d.error));
      }
    }

    // A grader's details arrive as the JSON text the record holds: a "diff" is drawn
    // apart, the rest pretty-printed; text that is not JSON is shown as it is.
    function detailsEl(box, text) {
      if (text === null || text === undefined) return;
      var details;
      try {
        details = JSON.parse(text);
      } catch (e) {
        box.appendChild(pre(text));
        return;
      }
      if (details === null) return;
      if (!isPlainObject(details)) {
        box.appendChild(pre(JSON.stringify({ details: details }, null, 2)));
        return;
      }
      if ("diff" in details) {
        if (details.diff !== null) box.appendChild(diffEl(details.diff));
        delete details.diff;
      }
      if (Object.keys(details).length) box.appendChild(pre(JSON.stringify(details, null, 2)));
    }

    function gradersEl(box, d) {
      box.appendChild(el("h4", null, "Graders"));
      if (!d.scores.length) box.appendChild(el("div", "muted", "not graded"));
      d.scores.forEach(function (s) {
        var sc = el("div", "score");
        var head = el("div");
        head.appendChild(el("span", "tag " + (s.passed ? "pass" : "fail"), s.passed ? "pass" : "fail"));
        head.appendChild(document.createTextNode(" " + s.grader + " · score " + num(s.score, 2)));
        sc.appendChild(head);
        if (s.explanation) sc.appendChild(el("div", null, s.explanation));
        detailsEl(sc, s.details);
        box.appendChild(sc);
      });
    }

    function detailRow(content) {
      var tr = el("tr", "detail");
      var cell = el("td");
      cell.colSpan = columns().length;
      cell.appendChild(content);
      tr.appendChild(cell);
      return tr;
    }

    function recordDetail(i) {
      var d = detailOf(i);
      var wrap = el("div", "tx");
      var left = el("div");
      var right = el("div");
      promptEl(left, sampleOf(i));
      answerEl(left, d);
      gradersEl(right, d);
      right.appendChild(el("h4", null, "Timings"));
      var dl = el("dl", "kv");
      TIMINGS.forEach(function (t) {
        var v = d.timings[data.timing_keys.indexOf(t[0])];
        if (v === undefined || v === null) return;
        dl.appendChild(el("dt", null, t[1]));
        dl.appendChild(el("dd", null, t[2](v)));
      });
      right.appendChild(dl);
      wrap.appendChild(left);
      wrap.appendChild(right);
      return detailRow(wrap);
    }

    function groupDetail(gi) {
      var wrap = el("div", "bysample");
      promptEl(wrap, sampleOf(first(gi)));
      var side = el("div", "side");
      members[gi].forEach(function (r, a) {
        var card = el("div", "card");
        card.dataset.arm = arms[a];
        var head = el("div", "cardhead");
        head.appendChild(el("strong", null, arms[a]));
        if (r >= 0) head.appendChild(resultTag(r));
        card.appendChild(head);
        if (r < 0) {
          card.appendChild(el("div", "muted", "no record for this sample"));
        } else {
          var d = detailOf(r);
          answerEl(card, d);
          gradersEl(card, d);
        }
        side.appendChild(card);
      });
      wrap.appendChild(side);
      return detailRow(wrap);
    }

    function toggle(tr) {
      var item = Number(state.view === "records" ? tr.dataset.i : tr.dataset.g);
      var opened = open[state.view];
      if (opened.has(item)) opened.delete(item);
      else opened.add(item);
      render();
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
    function sortOn(th) {
      var k = Number(th.dataset.col);
      var sort = sorts[state.view];
      sorts[state.view] = { col: k, dir: sort && sort.col === k ? -sort.dir : 1 };
      header();
      applyFilters();
    }
    $("ek-thead").addEventListener("click", function (ev) {
      var th = ev.target.closest("th.sortable");
      if (th) sortOn(th);
    });
    $("ek-thead").addEventListener("keydown", function (ev) {
      var th = ev.target.closest && ev.target.closest("th.sortable");
      if (th && (ev.key === "Enter" || ev.key === " ")) {
        ev.preventDefault();
        sortOn(th);
      }
    });
    [["ek-f-arm", "arm"], ["ek-f-suite", "suite"], ["ek-f-result", "result"], ["ek-f-etype", "etype"]]
      .forEach(function (pair) {
        $(pair[0]).addEventListener("change", function (ev) {
          state[pair[1]] = ev.target.value;
          applyFilters();
        });
      });
    $("ek-view").addEventListener("change", function (ev) {
      state.view = ev.target.value === "samples" ? "samples" : "records";
      header();
      applyFilters();
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

    header();
    applyFilters();
    window.__evalkitRenderMs = performance.now() - t0;
    // Also on the root element, where a DOM dump (chromium --dump-dom) can read it.
    document.documentElement.setAttribute("data-render-ms", window.__evalkitRenderMs.toFixed(1));
  }
})();

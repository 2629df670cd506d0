// Postwacht review queue page (/wachtrij): vanilla JS, no build step. Each item is shown with the
// served model's verdict (level, risk, flagged labels with scores, all scores on request) and its
// evidence marked in the draft, so a reviewer judges with context. Draft text only ever goes into
// the page with textContent; the reviewer token lives in sessionStorage (this tab only), under the
// same key as on the staff page. `/wachtrij?item=ID` opens that item first (the batch report links).
"use strict";

(function () {
  const TOKEN_KEY = "postwacht.reviewerToken";
  const LEVEL_WORD = { geen: "Geen risico", laag: "Laag risico", midden: "Midden risico", hoog: "Hoog risico" };
  const STATUS_WORD = { done: "beoordeeld", skipped: "overgeslagen", open: "open" };
  const EVIDENCE_PER_LABEL = 3;
  const $ = (id) => document.getElementById(id);

  let labelInfo = [];  // [{id, name}]
  let careLabels = new Set(["wellbeing"]);
  let reviewer = null; // {token, name}
  const queue = { items: [], index: 0, counts: null, busy: false };

  function labelName(id) {
    const found = labelInfo.find((l) => l.id === id);
    return found ? found.name : id;
  }

  function el(tag, props, children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([k, v]) => {
      if (k === "text") node.textContent = v;
      else if (k === "className") node.className = v;
      else node.setAttribute(k, v);
    });
    (children || []).forEach((c) => node.appendChild(typeof c === "string" ? document.createTextNode(c) : c));
    return node;
  }

  function setStatus(id, message, isError) {
    const node = $(id);
    node.textContent = message || "";
    node.classList.toggle("error", Boolean(isError));
  }

  function errorMessage(body, fallback) {
    return body && body.message_nl ? body.message_nl : fallback;
  }

  async function api(path, options) {
    const opts = Object.assign({ headers: {} }, options || {});
    if (opts.json !== undefined) {
      opts.body = JSON.stringify(opts.json);
      opts.headers["Content-Type"] = "application/json";
      delete opts.json;
    }
    const token = opts.token !== undefined ? opts.token : reviewer && reviewer.token;
    delete opts.token;
    if (token) opts.headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetch(path, opts);
    } catch (err) {
      return { ok: false, status: 0, body: null };
    }
    let body = null;
    try { body = await response.json(); } catch (err) { body = null; }
    return { ok: response.ok, status: response.status, body: body };
  }

  // ---- sign-in ----------------------------------------------------------------------------------
  function showReviewer() {
    $("signed-in").hidden = !reviewer;
    $("signin-form").hidden = Boolean(reviewer);
    $("reviewer-name").textContent = reviewer ? reviewer.name : "";
    $("queue").hidden = !reviewer;
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) { setStatus("signin-status", "Vul je token in.", true); return; }
    const res = await api("/v1/reviewer", { token: token });
    if (!res.ok) { setStatus("signin-status", errorMessage(res.body, "Inloggen lukte niet."), true); return; }
    reviewer = { token: token, name: res.body.name };
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    setStatus("signin-status", "Ingelogd.");
    showReviewer();
    await loadQueue();
  }

  function signOut() {
    reviewer = null;
    queue.items = [];
    queue.counts = null;
    sessionStorage.removeItem(TOKEN_KEY);
    setStatus("signin-status", "Uitgelogd.");
    showReviewer();
    renderQueue();
  }

  async function restoreSignIn() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return;
    const res = await api("/v1/reviewer", { token: token });
    if (res.ok) reviewer = { token: token, name: res.body.name };
    else sessionStorage.removeItem(TOKEN_KEY);
  }

  // ---- loading ----------------------------------------------------------------------------------
  function wantedItem() {
    const value = new URLSearchParams(window.location.search).get("item");
    return value && /^\d{1,10}$/.test(value) ? Number(value) : null;
  }

  async function loadQueue() {
    if (!reviewer) return;
    const res = await api("/v1/queue?limit=50");
    if (!res.ok) { setStatus("queue-status", errorMessage(res.body, "De wachtrij laden lukte niet."), true); return; }
    queue.items = res.body.items.map((item) => Object.assign(item, { chosen: new Set(item.predicted_labels) }));
    queue.index = 0;
    queue.counts = { open: res.body.open, done: res.body.done, skipped: res.body.skipped };
    $("queue-closed").hidden = true;
    const wanted = wantedItem();
    if (wanted !== null) {
      const at = queue.items.findIndex((i) => i.id === wanted);
      if (at >= 0) queue.index = at;
      else await openWanted(wanted);
    }
    await renderQueue();
  }

  async function openWanted(id) {
    const res = await api("/v1/queue/" + id);
    if (!res.ok) {
      showClosed(errorMessage(res.body, "Wachtrij-item " + id + " bestaat niet."));
      return;
    }
    if (res.body.status !== "open") {
      showClosed("Wachtrij-item " + id + " (rij " + res.body.source_id + " van " + res.body.source +
        ") is al " + (STATUS_WORD[res.body.status] || res.body.status) + ". Hieronder de rest van de wachtrij.");
      return;
    }
    const item = Object.assign(res.body, { chosen: new Set(res.body.predicted_labels) });
    queue.items.unshift(item);
    queue.index = 0;
  }

  function showClosed(message) {
    $("queue-closed").textContent = message;
    $("queue-closed").hidden = false;
  }

  async function ensureDetail(item) {
    if (item.detailLoaded) return;
    const res = await api("/v1/queue/" + item.id);
    item.detailLoaded = true;
    if (res.ok) item.result = res.body.result;
    else item.detailError = errorMessage(res.body, "Het oordeel van het model laden lukte niet.");
  }

  // ---- rendering --------------------------------------------------------------------------------
  function currentItem() {
    return queue.items[queue.index] || null;
  }

  async function renderQueue() {
    const item = currentItem();
    const counts = queue.counts;
    $("queue-count").textContent = counts
      ? counts.open + " open · " + counts.done + " beoordeeld · " + counts.skipped + " overgeslagen" : "";
    $("queue-item").hidden = !item;
    $("queue-empty").hidden = Boolean(item) || !counts;
    if (!item) { document.body.dataset.item = ""; return; }
    document.body.dataset.item = "";
    await ensureDetail(item);
    if (currentItem() !== item) return;  // moved on while loading
    renderItem(item);
    document.body.dataset.item = String(item.id);
  }

  function renderItem(item) {
    const result = item.result || null;
    const mark = $("queue-escalation");
    const escalate = result ? result.escalate : item.escalate;
    mark.hidden = !escalate;
    if (escalate) {
      const flagged = result ? flaggedOf(result) : item.predicted_labels;
      const care = flagged.some((id) => careLabels.has(id));
      mark.className = "queue-escalation" + (care ? " care" : "");
      $("queue-escalation-heading").textContent = "Escalatie: " +
        (care ? "zorgsignaal, vertel het iemand" : "meld dit bij de directie");
      $("queue-escalation-text").textContent = item.escalation || (result && result.escalation) || "";
    }
    $("queue-meta").textContent = "Bericht " + (queue.index + 1) + " van " + queue.items.length +
      " · rol: " + item.role + " · uit " + item.source + ", rij-id " + item.source_id;
    renderText(item.text, result);
    renderEvidence(result, item);
    renderVerdict(result, item);
    renderToggles(item);
    $("queue-prev").disabled = queue.index === 0;
    $("queue-next").disabled = queue.index >= queue.items.length - 1;
  }

  function flaggedOf(result) {
    return Object.keys(result.labels || {}).filter((id) => result.labels[id].flagged);
  }

  function evidenceFindings(result) {
    if (!result) return [];
    return (result.findings || []).filter((f) => f.label && f.end > f.start);
  }

  function renderText(text, result) {
    const box = $("queue-text");
    box.replaceChildren();
    const spans = evidenceFindings(result).slice().sort((a, b) => a.start - b.start || b.end - a.end);
    let last = 0;
    spans.forEach((f) => {
      if (f.start < last) return;  // overlapping: the first (longest) span is marked
      if (f.start > last) box.appendChild(document.createTextNode(text.slice(last, f.start)));
      const title = labelName(f.label) + ": " + (f.explanation || "");
      box.appendChild(el("mark", { className: "ev", "data-label": f.label, title: title, text: text.slice(f.start, f.end) }));
      last = f.end;
    });
    box.appendChild(document.createTextNode(text.slice(last)));
  }

  function renderEvidence(result, item) {
    const list = $("queue-evidence");
    list.replaceChildren();
    if (!result) {
      list.appendChild(el("li", { text: item.detailError || "Geen oordeel beschikbaar." }));
      return;
    }
    const perLabel = {};
    evidenceFindings(result).forEach((f) => {
      perLabel[f.label] = perLabel[f.label] || [];
      if (perLabel[f.label].length < EVIDENCE_PER_LABEL) perLabel[f.label].push(f);
    });
    const labels = Object.keys(perLabel);
    if (!labels.length) {
      list.appendChild(el("li", { text: "Geen woorden gemarkeerd: het model vond niets aanwijsbaars." }));
      return;
    }
    labels.forEach((lab) => perLabel[lab].forEach((f) => {
      list.appendChild(el("li", { "data-label": lab }, [el("q", { text: f.text }), " – " + (f.explanation || "") + " ",
        el("span", { className: "lab", text: "(" + labelName(lab) + ")" })]));
    }));
  }

  function renderVerdict(result, item) {
    const level = $("queue-level");
    const flaggedList = $("queue-flagged");
    flaggedList.replaceChildren();
    const rows = $("queue-score-rows");
    rows.replaceChildren();
    if (!result) {
      level.className = "q-level";
      level.textContent = "Geen oordeel beschikbaar";
      return;
    }
    level.className = "q-level level-" + result.level;
    level.textContent = (LEVEL_WORD[result.level] || result.level) + " (risico " + Number(result.risk).toFixed(2) + ")";
    const flagged = flaggedOf(result);
    if (!flagged.length) flaggedList.appendChild(el("li", { text: "Geen labels gemarkeerd." }));
    flagged.forEach((id) => flaggedList.appendChild(el("li", { "data-label": id }, [
      el("span", { text: labelName(id) }), el("span", { className: "score", text: result.labels[id].score.toFixed(2) })])));
    const ids = labelInfo.length ? labelInfo.map((l) => l.id) : Object.keys(result.labels);
    ids.forEach((id) => {
      const entry = result.labels[id] || { score: 0, flagged: false };
      const batch = item.predicted_scores[id];
      rows.appendChild(el("tr", { className: entry.flagged ? "on" : "" }, [
        el("td", { text: labelName(id) + (entry.flagged ? " ✓" : "") }),
        el("td", { className: "n", text: entry.score.toFixed(2) }),
        el("td", { className: "n", text: batch === undefined ? "–" : Number(batch).toFixed(2) })]));
    });
    $("queue-certainty").textContent = "Zekerheid: de dichtstbijzijnde score lag " + item.uncertainty.toFixed(2) +
      " van een drempel (batchmodel " + (item.model_version || "onbekend") + "; nu " + (result.model_version || "") + ").";
  }

  function renderToggles(item) {
    const box = $("queue-labels");
    box.replaceChildren();
    labelIds(item).forEach((id, i) => {
      const button = el("button", { type: "button", "data-label": id, "aria-pressed": String(item.chosen.has(id)) },
        [el("span", { className: "key", text: String(i + 1) }), labelName(id)]);
      button.addEventListener("click", () => toggleLabel(id));
      box.appendChild(button);
    });
  }

  function labelIds(item) {
    return labelInfo.length ? labelInfo.map((l) => l.id) : Object.keys(item.predicted_scores);
  }

  // ---- actions ----------------------------------------------------------------------------------
  function toggleLabel(id) {
    const item = currentItem();
    if (!item) return;
    if (item.chosen.has(id)) item.chosen.delete(id);
    else item.chosen.add(id);
    const button = $("queue-labels").querySelector('[data-label="' + id + '"]');
    if (button) button.setAttribute("aria-pressed", String(item.chosen.has(id)));
  }

  async function moveQueue(step) {
    const next = queue.index + step;
    if (next < 0 || next >= queue.items.length) return;
    queue.index = next;
    await renderQueue();
    $("queue-item").focus();
  }

  async function closeItem(action) {
    const item = currentItem();
    if (!item || queue.busy) return;
    queue.busy = true;
    setStatus("queue-status", action === "review" ? "Opslaan…" : "Overslaan…");
    const res = action === "review"
      ? await api("/v1/queue/" + item.id + "/review", { method: "POST", json: { labels: Array.from(item.chosen) } })
      : await api("/v1/queue/" + item.id + "/skip", { method: "POST" });
    queue.busy = false;
    if (!res.ok && res.status !== 409) {
      setStatus("queue-status", errorMessage(res.body, "Dat lukte niet."), true);
      return;
    }
    queue.items.splice(queue.index, 1);
    if (queue.index >= queue.items.length) queue.index = Math.max(0, queue.items.length - 1);
    if (res.ok) {
      queue.counts.open = res.body.open;
      if (action === "review") queue.counts.done += 1;
      else queue.counts.skipped += 1;
      setStatus("queue-status", action === "review"
        ? "Opgeslagen als beoordeling " + res.body.review_id + "." : "Overgeslagen.");
    } else {
      setStatus("queue-status", "Dit bericht was al afgehandeld.");
    }
    if (!queue.items.length) await loadQueue();
    else await renderQueue();
    $("queue-item").focus();
  }

  function queueKeys(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !currentItem()) return;
    const target = event.target;
    if (target.matches && target.matches("input, textarea, select, summary")) return;
    const actionButton = target.closest && target.closest(".buttons button");
    if (event.key === "Enter") {
      if (actionButton) return;
      event.preventDefault();
      closeItem("review");
    } else if (/^[1-9]$/.test(event.key)) {
      const id = labelIds(currentItem())[Number(event.key) - 1];
      if (id) { event.preventDefault(); toggleLabel(id); }
    } else if (event.key === "j") {
      event.preventDefault(); moveQueue(1);
    } else if (event.key === "k") {
      event.preventDefault(); moveQueue(-1);
    } else if (event.key === "s") {
      event.preventDefault(); closeItem("skip");
    }
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("signin-form").addEventListener("submit", signIn);
    $("signout").addEventListener("click", signOut);
    $("queue").addEventListener("keydown", queueKeys);
    $("queue-save").addEventListener("click", () => closeItem("review"));
    $("queue-skip").addEventListener("click", () => closeItem("skip"));
    $("queue-prev").addEventListener("click", () => moveQueue(-1));
    $("queue-next").addEventListener("click", () => moveQueue(1));
    const res = await api("/v1/labels", { token: null });
    if (res.ok) {
      labelInfo = res.body.labels;
      const care = labelInfo.filter((l) => l.escalates).map((l) => l.id);
      if (care.length) careLabels = new Set(care);
    }
    await restoreSignIn();
    showReviewer();
    if (reviewer) await loadQueue();
    document.body.dataset.ready = "true";
  });
})();

// Postwacht page: vanilla JS, no build step. Draft text is only ever put into the page with
// textContent (never as HTML) and is not kept anywhere in the browser; the reviewer token lives in
// sessionStorage (this tab only).
"use strict";

(function () {
  const TOKEN_KEY = "postwacht.reviewerToken";
  const LEVELS = {
    geen: { word: "Geen risico", sub: "Er viel niets op volgens het protocol.", icon: "✓" },
    laag: { word: "Laag risico", sub: "Lees het nog even na voordat je het plaatst.", icon: "i" },
    midden: { word: "Midden risico", sub: "Pas het bericht aan voordat je het plaatst.", icon: "!" },
    hoog: { word: "Hoog risico", sub: "Plaats dit zo niet.", icon: "✕" },
  };
  const $ = (id) => document.getElementById(id);
  // Helplines shown as tel: links to a pupil whose draft escalates (the protocol's escalation text
  // names them too). 112 is offered to every role.
  const HELPLINES_PUPIL = [
    { name: "Kindertelefoon", number: "0800-0432", tel: "08000432", note: "gratis en anoniem" },
    { name: "113 Zelfmoordpreventie", number: "0800-0113", tel: "08000113", note: "gratis, dag en nacht" },
  ];
  const EMERGENCY = { name: "Acuut gevaar", number: "112", tel: "112", note: "politie, ambulance, brandweer" };

  let labelInfo = [];          // [{id, name}] from /v1/labels
  let schools = [];            // [{id, name}] from /v1/schools: a choice only when there are two or more
  let lastScored = null;       // {text, role, result}: what a review refers to
  let reviewer = null;         // {token, name}

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
    if (body && body.message_nl) return body.message_nl;
    return fallback;
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

  // ---- scoring ------------------------------------------------------------------------------
  function selectedRole() {
    const checked = document.querySelector('input[name="role"]:checked');
    return checked ? checked.value : "onbekend";
  }

  function selectedSchool() {
    const select = $("school");
    return !$("school-field").hidden && select.value ? select.value : null;
  }

  // the body of POST /v1/score: the school only when the install serves more than one
  function scoreRequest(text, role, school) {
    const body = { text: text, role: role };
    if (school) body.school = school;
    return body;
  }

  function showSchoolName() {
    const chosen = schools.find((s) => s.id === selectedSchool());
    if (chosen && chosen.name) $("school-name").textContent = chosen.name;
  }

  async function loadSchools() {
    const res = await api("/v1/schools", { token: null });
    if (!res.ok || !res.body) return;
    const dflt = res.body.default || {};
    if (dflt.name) $("school-name").textContent = dflt.name;
    schools = res.body.schools || [];
    if (schools.length < 2) return;  // one school: nothing to choose
    const select = $("school");
    select.replaceChildren();
    schools.forEach((s) => select.appendChild(el("option", { value: s.id, text: s.name || s.id })));
    const same = schools.find((s) => s.name && s.name === dflt.name);
    select.value = (same || schools[0]).id;
    $("school-field").hidden = false;
    select.addEventListener("change", showSchoolName);
    showSchoolName();
  }

  async function check(event) {
    if (event) event.preventDefault();
    const text = $("draft").value;
    if (!text.trim()) {
      setStatus("status", "Typ of plak eerst een bericht.", true);
      $("draft").focus();
      return;
    }
    const role = selectedRole();
    const button = $("check");
    button.disabled = true;
    setStatus("status", "Bezig met controleren…");
    const res = await api("/v1/score", { method: "POST", json: scoreRequest(text, role, selectedSchool()) });
    button.disabled = false;
    if (!res.ok) {
      const fallback = res.status === 0 ? "De server is niet bereikbaar." : "Controleren lukte niet.";
      setStatus("status", errorMessage(res.body, fallback), true);
      return;
    }
    lastScored = { text: text, role: role, result: res.body };
    render(res.body, text);
    setStatus("status", (res.body.escalate ? escalationHeading(res.body) + ". " : "") +
      "Uitslag: " + LEVELS[res.body.level].word + ".");
  }

  function render(result, text) {
    const section = $("result");
    const alertBox = renderEscalation(result);  // first: above the verdict and every score
    section.hidden = false;
    renderLevel(result);
    renderBars(result);
    renderDraft(text, result.findings || []);
    renderList("advice", "advice-block", result.advice || [], (a) => el("li", { text: a }));
    renderList("articles", "articles-block", result.articles || [], renderArticle);
    renderList("consequences", "consequences-block", result.consequences || [], renderArticle);
    $("redacted").value = result.redacted_text || "";
    setStatus("copy-status", "");
    $("model-version").textContent = result.model_version ? "· model " + result.model_version : "";
    resetReview();
    (alertBox || section).focus();
  }

  // ---- escalation: someone besides the author must act --------------------------------------
  function careLabels() {
    return labelInfo.filter((l) => l.escalates).map((l) => l.id);
  }

  // a care signal (a flagged label that always escalates) asks to tell someone; a threat or sexual
  // message at level hoog asks to report it to the directie (protocol article alle-betrokkenen.4)
  function isCareSignal(flagged) {
    const care = careLabels();
    return flagged.some((id) => care.includes(id));
  }

  function escalationHeading(result) {
    return isCareSignal(flaggedLabels(result)) ? "Zorgsignaal: vertel het iemand" : "Meld dit bij de directie";
  }

  function helplineLink(line) {
    return el("li", {}, [el("a", { href: "tel:" + line.tel, "aria-label": line.name + ", bel " + line.number }, [
      line.name + ": ", el("span", { className: "nr", text: line.number }),
    ]), " ", el("span", { className: "visually-hidden", text: "(" + line.note + ")" })]);
  }

  // Fills the live region above the result (role="alert": announced at once) or empties it.
  function renderEscalation(result) {
    const slot = $("escalation");
    slot.replaceChildren();
    if (!result.escalate) return null;
    const care = isCareSignal(flaggedLabels(result));
    const lines = (result.role === "leerling" ? HELPLINES_PUPIL : []).concat([EMERGENCY]);
    const box = el("div", { className: "escalation" + (care ? " care" : ""), id: "escalation-box", tabindex: "-1",
                            "aria-labelledby": "escalation-title" }, [
      el("div", { className: "escalation-head" }, [
        el("span", { className: "escalation-icon", "aria-hidden": "true", text: "!" }),
        el("h2", { id: "escalation-title", text: escalationHeading(result) }),
      ]),
      el("p", { className: "escalation-text", text: result.escalation || "Vertel dit vandaag nog aan iemand van school." }),
      el("ul", { className: "helplines", "aria-label": "Hulp en telefoonnummers" }, lines.map(helplineLink)),
    ]);
    slot.appendChild(box);
    return box;
  }

  function renderLevel(result) {
    const info = LEVELS[result.level] || LEVELS.geen;
    const box = $("level");
    box.className = "level level-" + result.level;
    box.querySelector(".level-icon").textContent = info.icon;
    box.querySelector(".level-word").textContent = info.word;
    box.querySelector(".level-sub").textContent =
      info.sub + " (risico " + Math.round((result.risk || 0) * 100) + "%)";
  }

  function renderBars(result) {
    const list = $("bars");
    list.replaceChildren();
    const ids = labelInfo.length ? labelInfo.map((l) => l.id) : Object.keys(result.labels || {});
    ids.forEach((id) => {
      const value = result.labels[id];
      if (!value) return;
      const pct = Math.round(value.score * 100);
      const fill = el("span");
      fill.style.width = pct + "%";
      const item = el("li", { className: value.flagged ? "flagged" : "" }, [
        el("span", { className: "bar-name", text: labelName(id) }),
        el("span", { className: "bar", "aria-hidden": "true" }, [fill]),
        el("span", { className: "bar-value", text: pct + "%" + (value.flagged ? " · gevonden" : "") }),
      ]);
      list.appendChild(item);
    });
  }

  // Findings use Python string offsets, i.e. code points; Array.from splits a string the same way.
  function renderDraft(text, findings) {
    const view = $("highlighted");
    view.replaceChildren();
    const chars = Array.from(text);
    const spans = findings.filter((f) => f.end > f.start && f.start >= 0 && f.end <= chars.length);
    const cuts = new Set([0, chars.length]);
    spans.forEach((f) => { cuts.add(f.start); cuts.add(f.end); });
    const points = Array.from(cuts).sort((a, b) => a - b);
    let tipCount = 0;
    let previousKey = null;
    let previousMark = null;
    for (let i = 0; i < points.length - 1; i++) {
      const a = points[i], b = points[i + 1];
      const piece = chars.slice(a, b).join("");
      const covering = spans.filter((f) => f.start <= a && f.end >= b);
      if (!covering.length) {
        view.appendChild(document.createTextNode(piece));
        previousKey = null;
        continue;
      }
      const key = covering.map((f) => f.start + ":" + f.end + ":" + f.label).join("|");
      if (key === previousKey && previousMark) {
        previousMark.insertBefore(document.createTextNode(piece), previousMark.lastChild);
        continue;
      }
      const tipId = "tip-" + (++tipCount);
      const lines = [];
      covering.forEach((f) => {
        const line = labelName(f.label) + ": " + f.explanation;
        if (!lines.includes(line)) lines.push(line);
      });
      const low = covering.every((f) => f.severity === "laag");
      const mark = el("mark", { className: "ev" + (low ? " ev-low" : ""), tabindex: "0", "aria-describedby": tipId },
        [piece, el("span", { className: "tip", role: "tooltip", id: tipId, text: lines.join(" · ") })]);
      view.appendChild(mark);
      previousKey = key;
      previousMark = mark;
    }
    if (!spans.length) {
      view.appendChild(el("span", { className: "visually-hidden", text: " (niets gemarkeerd)" }));
    }
  }

  function renderArticle(article) {
    const heading = article.section + ", artikel " + article.number;
    const chips = (article.labels || []).map((l) => el("span", { className: "chip", text: labelName(l) }));
    return el("div", { className: "article", "data-article": article.id }, [
      el("h4", { text: heading }),
      el("p", { text: article.text }),
      chips.length ? el("div", { className: "chips" }, chips) : document.createTextNode(""),
    ]);
  }

  function renderList(listId, blockId, items, make) {
    const list = $(listId);
    list.replaceChildren();
    items.forEach((item) => list.appendChild(make(item)));
    $(blockId).hidden = items.length === 0;
  }

  async function copyRedacted() {
    const value = $("redacted").value;
    try {
      await navigator.clipboard.writeText(value);
    } catch (err) {
      $("redacted").select();
      document.execCommand("copy");
    }
    setStatus("copy-status", "Gekopieerd.");
  }

  // ---- reviewers ----------------------------------------------------------------------------
  function showReviewer() {
    $("signed-in").hidden = !reviewer;
    $("signed-out").hidden = Boolean(reviewer);
    $("reviewer-name").textContent = reviewer ? reviewer.name : "";
    $("review").hidden = !(reviewer && lastScored);
    $("queue").hidden = !reviewer;
  }

  async function signIn(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) {
      setStatus("signin-status", "Vul je token in.", true);
      return;
    }
    const res = await api("/v1/reviewer", { token: token });
    if (!res.ok) {
      setStatus("signin-status", errorMessage(res.body, "Inloggen lukte niet."), true);
      return;
    }
    reviewer = { token: token, name: res.body.name };
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    setStatus("signin-status", "Ingelogd.");
    showReviewer();
    loadQueue();
  }

  function signOut() {
    reviewer = null;
    queue.items = [];
    queue.index = 0;
    renderQueue();
    sessionStorage.removeItem(TOKEN_KEY);
    setStatus("signin-status", "Uitgelogd.");
    showReviewer();
  }

  async function restoreSignIn() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) return;
    const res = await api("/v1/reviewer", { token: token });
    if (res.ok) reviewer = { token: token, name: res.body.name };
    else sessionStorage.removeItem(TOKEN_KEY);
    showReviewer();
    if (reviewer) await loadQueue();
  }

  function flaggedLabels(result) {
    return Object.keys(result.labels || {}).filter((id) => result.labels[id].flagged);
  }

  function resetReview() {
    $("review-form").hidden = true;
    $("review-right").disabled = false;
    $("review-wrong").disabled = false;
    setStatus("review-status", "");
    const box = $("review-labels");
    box.replaceChildren();
    const flagged = lastScored ? flaggedLabels(lastScored.result) : [];
    (labelInfo.length ? labelInfo : flagged.map((id) => ({ id: id, name: id }))).forEach((l) => {
      const input = el("input", { type: "checkbox", name: "label", value: l.id });
      input.checked = flagged.includes(l.id);
      box.appendChild(el("label", {}, [input, l.name]));
    });
    showReviewer();
  }

  async function submitReview(labels, note) {
    if (!reviewer || !lastScored) return;
    setStatus("review-status", "Opslaan…");
    const res = await api("/v1/reviews", {
      method: "POST",
      json: { text: lastScored.text, role: lastScored.role, labels: labels, note: note || null },
    });
    if (!res.ok) {
      setStatus("review-status", errorMessage(res.body, "Opslaan lukte niet."), true);
      return;
    }
    $("review-form").hidden = true;
    $("review-right").disabled = true;  // one review per check; a new check enables them again
    $("review-wrong").disabled = true;
    setStatus("review-status", "Beoordeling opgeslagen (nummer " + res.body.id + "). Dank je wel!");
  }

  function reviewRight() {
    if (lastScored) submitReview(flaggedLabels(lastScored.result), null);
  }

  function reviewWrong() {
    $("review-form").hidden = false;
    const first = $("review-labels").querySelector("input");
    if (first) first.focus();
  }

  function saveCorrection(event) {
    event.preventDefault();
    const labels = Array.from($("review-labels").querySelectorAll("input:checked")).map((i) => i.value);
    submitReview(labels, $("review-note").value.trim());
  }

  // ---- review queue: reported messages, least certain first; keyboard driven -----------------
  const queue = { items: [], index: 0, counts: null, busy: false };

  function currentItem() {
    return queue.items[queue.index] || null;
  }

  async function loadQueue() {
    if (!reviewer) return;
    const res = await api("/v1/queue?limit=50");
    if (!res.ok) {
      setStatus("queue-status", errorMessage(res.body, "De wachtrij laden lukte niet."), true);
      return;
    }
    queue.items = res.body.items.map((item) => Object.assign(item, { chosen: new Set(item.predicted_labels) }));
    queue.index = 0;
    queue.counts = { open: res.body.open, done: res.body.done, skipped: res.body.skipped };
    renderQueue();
  }

  function renderQueue() {
    const item = currentItem();
    const counts = queue.counts;
    $("queue-count").textContent = counts
      ? counts.open + " open · " + counts.done + " beoordeeld · " + counts.skipped + " overgeslagen" : "";
    $("queue-item").hidden = !item;
    $("queue-empty").hidden = Boolean(item) || !counts;
    if (!item) return;
    const predicted = item.predicted_labels.length ? item.predicted_labels.map(labelName).join(", ") : "niets";
    const mark = $("queue-escalation");
    mark.hidden = !item.escalate;
    if (item.escalate) {
      const care = isCareSignal(item.predicted_labels);
      mark.className = "queue-escalation" + (care ? " care" : "");
      $("queue-escalation-heading").textContent = "Escalatie: " +
        (care ? "zorgsignaal, vertel het iemand" : "meld dit bij de directie");
      $("queue-escalation-text").textContent = item.escalation || "";
    }
    $("queue-meta").textContent = "Bericht " + (queue.index + 1) + " van " + queue.items.length +
      (item.escalate ? " · escalatie" : "") +
      " · rol: " + item.role + " · model vond: " + predicted +
      (item.uncertainty < 0.1 ? " · het model twijfelde" : "");
    $("queue-text").textContent = item.text;
    const box = $("queue-labels");
    box.replaceChildren();
    const ids = labelInfo.length ? labelInfo.map((l) => l.id) : Object.keys(item.predicted_scores);
    ids.forEach((id, i) => {
      const button = el("button", { type: "button", "data-label": id, "aria-pressed": String(item.chosen.has(id)) },
        [el("span", { className: "key", text: String(i + 1) }), labelName(id)]);
      button.addEventListener("click", () => toggleLabel(id));
      box.appendChild(button);
    });
    $("queue-prev").disabled = queue.index === 0;
    $("queue-next").disabled = queue.index >= queue.items.length - 1;
  }

  function toggleLabel(id) {
    const item = currentItem();
    if (!item) return;
    if (item.chosen.has(id)) item.chosen.delete(id);
    else item.chosen.add(id);
    const button = $("queue-labels").querySelector('[data-label="' + id + '"]');
    if (button) button.setAttribute("aria-pressed", String(item.chosen.has(id)));
  }

  function moveQueue(step) {
    const next = queue.index + step;
    if (next < 0 || next >= queue.items.length) return;
    queue.index = next;
    renderQueue();
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
    else renderQueue();
    $("queue-item").focus();
  }

  function queueKeys(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !currentItem()) return;
    const target = event.target;
    if (target.matches && target.matches("input, textarea, select")) return;
    const actionButton = target.closest && target.closest(".buttons button");
    if (event.key === "Enter") {
      if (actionButton) return;  // Enter on a focused action button does what the button says
      event.preventDefault();
      closeItem("review");
    } else if (/^[1-9]$/.test(event.key)) {
      const ids = labelInfo.length ? labelInfo.map((l) => l.id) : Object.keys(currentItem().predicted_scores);
      const id = ids[Number(event.key) - 1];
      if (id) { event.preventDefault(); toggleLabel(id); }
    } else if (event.key === "j") {
      event.preventDefault(); moveQueue(1);
    } else if (event.key === "k") {
      event.preventDefault(); moveQueue(-1);
    } else if (event.key === "s") {
      event.preventDefault(); closeItem("skip");
    }
  }

  // ---- start ----------------------------------------------------------------------------------
  function updateCount() {
    const n = Array.from($("draft").value).length;
    $("count").textContent = n.toLocaleString("nl-NL") + " / 10.000";
  }

  document.addEventListener("DOMContentLoaded", async () => {
    $("check-form").addEventListener("submit", check);
    $("check-form").addEventListener("keydown", (e) => {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) check(e);
    });
    $("draft").addEventListener("input", updateCount);
    $("copy").addEventListener("click", copyRedacted);
    $("signin-form").addEventListener("submit", signIn);
    $("signout").addEventListener("click", signOut);
    $("review-right").addEventListener("click", reviewRight);
    $("review-wrong").addEventListener("click", reviewWrong);
    $("review-form").addEventListener("submit", saveCorrection);
    $("queue").addEventListener("keydown", queueKeys);
    $("queue-save").addEventListener("click", () => closeItem("review"));
    $("queue-skip").addEventListener("click", () => closeItem("skip"));
    $("queue-prev").addEventListener("click", () => moveQueue(-1));
    $("queue-next").addEventListener("click", () => moveQueue(1));
    const res = await api("/v1/labels", { token: null });
    if (res.ok) labelInfo = res.body.labels;
    $("queue-last-key").textContent = String(Math.min(9, labelInfo.length || 9));
    await loadSchools();
    await restoreSignIn();
    document.body.dataset.ready = "true";
  });
})();

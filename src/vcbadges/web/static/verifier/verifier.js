/* The employer's page: create an OpenID4VP request, show its QR code (or, for the Learner
 * Credential Wallet and VC-API wallets, a VC-API exchange's), poll for the result every
 * second, and show what was proved in plain words. Everything shown from a presentation is
 * inserted as text, never as markup. "Verified" says the badge is intact,
 * current and shared by its owner; who the issuer is, is a verdict of its own: a name is
 * confirmed only by a registry the service trusts, and green means both. A particular
 * badge or issuer is chosen by name from the service's catalog, never typed as an
 * identifier; identifiers are shown only under "Identifiers", each said as what it is. */
"use strict";

(() => {
  const VERIFIER = location.pathname.replace(/\/(index\.html)?$/, "") || "/verifier";
  const POLL_MS = 1000;

  // ``request`` is the OpenID4VP request on screen, ``exchange`` the VC-API exchange made
  // for the same question when the Learner Credential Wallet / VC-API choice is made; both
  // are watched until one is answered.
  const state = { request: null, exchange: null, body: {}, kind: "oid4vp", clockTimer: 0, achievements: new Map() };

  const $ = (s, root = document) => root.querySelector(s);

  const { el, icon, duration, hueOf, medal, issuerOf, issuerWords, issuerLine } = window.vcbadgesUI;

  function safeUrl(value, { image = false } = {}) {
    if (typeof value !== "string" || !value) return null;
    if (image && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(value)) return value;
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch { return null; }
  }

  function badgeArt(image, name) {
    const url = safeUrl(typeof image === "string" ? image : image && image.id, { image: true });
    if (!url) return medal(name);
    const img = el("img", { src: url, alt: "" });
    img.addEventListener("error", () => img.replaceWith(medal(name)), { once: true });
    return img;
  }

  function link(url, label) {
    const safe = safeUrl(url);
    return safe ? el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, label || safe) : null;
  }

  function text(v) { return typeof v === "string" ? v : ""; }

  // --- checks in plain words -------------------------------------------------------------------

  const TITLES = {
    document: "Readable", schema: "Open Badges format", proof: "Issuer's signature", issuer: "Signed by its issuer",
    issuer_trust: "Issuer recognised", validity: "Dates", status_revocation: "Not revoked", status_suspension: "Not suspended",
    endorsements: "Endorsements", presentation_proof: "Holder's signature", challenge: "Fresh answer",
    domain: "Meant for us", holder: "Shared by its owner",
  };

  function title(check) {
    return TITLES[check.id] || check.id.replace(/^status_/, "Status: ").replace(/_/g, " ");
  }

  // Checks that are a verdict of their own, never a reason the badge is not valid.
  const ADVISORY = new Set(["issuer_trust"]);

  // What is wrong with an answer as a whole, as a title.
  const PROBLEMS = {
    query_not_satisfied: "Not the badge asked for",
    credential_query_mismatch: "Not the badge asked for",
    unknown_credential_query: "An answer to another question",
    too_many_presentations: "More than was asked for",
    verification_too_costly: "Too costly to check",
    verification_unavailable: "Could not be checked just now",
  };

  // Warnings the service adds to a report, in plain words.
  const WARNINGS = {
    holder_not_authenticated: "The badge came from a QR code, which answers no challenge: it proves the badge is genuine and valid, not that the person showing it is its owner. Compare the name on the badge with the candidate.",
    subject_not_bound: "This badge names its owner by e-mail address, not by a wallet key, so this answer does not prove the person sharing it is the owner. Confirm their e-mail address with them.",
  };

  function words(check) {
    const { id, outcome, code } = check;
    if (id === "issuer_trust" && (outcome === "passed" || code === "issuer_unknown")) {
      const issuer = issuerOf({ checks: [check] });
      return issuer.listed ? `Listed in ${issuer.registry} as ${issuer.name}.`
        : `The issuer ${issuerWords(issuer)}. That name is its own claim: anyone can sign a badge with any name.`;
    }
    if (outcome === "skipped") {
      if (id === "endorsements") return "No endorsements to check.";
      if (code === "blocked_by_earlier_failure") return "Not checked, because an earlier check failed.";
      return "Does not apply.";
    }
    if (outcome === "error") {
      return id.startsWith("status_")
        ? "The issuer's status list could not be reached, so this is not known."
        : "This could not be checked.";
    }
    const ok = outcome === "passed";
    switch (id) {
      case "document": return ok ? "The data is complete and understood." : "The data is damaged or uses undefined terms.";
      case "schema": return ok ? "It follows the Open Badges 3.0 rules." : "It breaks the Open Badges rules.";
      case "proof": return ok ? "Signed by the issuer; nothing has been changed since." : "The signature does not match: it was changed, or not signed by the issuer.";
      case "issuer": return ok ? "The key that signed it belongs to the issuer the badge names." : "It was not signed by the issuer it names.";
      case "validity":
        if (code === "expired") return "The badge has expired.";
        if (code === "not_yet_valid") return "The badge is not valid yet.";
        return ok ? "Valid today." : "Its dates are not valid.";
      case "status_revocation": return ok ? "The issuer has not revoked it." : "The issuer has revoked this badge.";
      case "status_suspension": return ok ? "The issuer has not suspended it." : "The issuer has suspended this badge.";
      case "endorsements": return ok ? "Its endorsements are genuine." : "An endorsement is not valid.";
      case "presentation_proof": return ok ? "The person sharing signed the answer with their wallet key." : "The wallet's signature does not match.";
      case "challenge": return ok ? "Made for this request just now, not replayed." : "It answers another request, or was replayed.";
      case "domain": return ok ? "Addressed to this page." : "It was meant for someone else.";
      case "holder":
        if (code === "holder_not_subject") return "The person sharing is not the person the badge was given to.";
        if (code === "holder_mismatch") return "The answer was not signed by the person it names as sharing it.";
        return ok ? "The person sharing is the person the badge was given to." : "The person sharing is not the badge's owner.";
      default: return ok ? "Passed." : "Failed.";
    }
  }

  /** The service's own words for a check that did not pass, where ours say less. */
  function showMessage(check) {
    if (!check.message || check.outcome === "passed" || check.outcome === "skipped") return false;
    if (ADVISORY.has(check.id)) return false;
    return !(check.outcome === "failed" && /^status_(revocation|suspension)$/.test(check.id))
      && !(check.id === "validity" && /^(expired|not_yet_valid)$/.test(check.code));
  }

  const MARKS = { passed: "check", failed: "x", error: "alert", skipped: "minus", caution: "alert" };

  /** How a check is marked: an advisory check that did not pass is a caution, not a failure. */
  function markOf(check) {
    return ADVISORY.has(check.id) && check.outcome !== "passed" ? "caution" : check.outcome;
  }

  function checkItems(checks) {
    return (checks || []).map((c) => el("li", {},
      el("span", { class: "mark " + markOf(c) }, icon(MARKS[markOf(c)] || "alert")),
      el("div", {},
        el("p", { class: "check-title" }, title(c), el("span", { class: "visually-hidden" }, ": " + c.outcome)),
        el("p", { class: "check-text" }, words(c)),
        showMessage(c) ? el("p", { class: "check-text" }, c.message) : null)));
  }

  function firstBad(checks) {
    const counted = (checks || []).filter((c) => !ADVISORY.has(c.id));
    return counted.find((c) => c.outcome === "failed") || counted.find((c) => c.outcome === "error");
  }

  // --- what to ask for: the catalog ------------------------------------------------------------

  function option(value, label) {
    return el("option", { value }, label);
  }

  /** The badges and issuers the service knows, by name, as choices; ``?achievement=`` and
   * ``?issuer=`` in the address choose one (kept as a choice of its own when the catalog does
   * not list it). Without any choice the page asks for any Open Badge. */
  async function loadCatalog() {
    let catalog = {};
    try {
      const response = await fetch(VERIFIER + "/catalog", { headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store" });
      if (response.ok) catalog = (await response.json()) || {};
    } catch { /* no catalog: any badge */ }
    const achievements = (Array.isArray(catalog.achievements) ? catalog.achievements : [])
      .filter((a) => a && text(a.id) && text(a.name));
    const issuers = new Map();
    for (const i of Array.isArray(catalog.issuers) ? catalog.issuers : []) {
      if (i && text(i.id)) issuers.set(i.id, text(i.name));
    }
    // Badges grouped under their issuer's name.
    const groups = new Map();
    for (const a of achievements) {
      const issuer = a.issuer && typeof a.issuer === "object" ? a.issuer : {};
      const issuerId = text(issuer.id);
      const issuerName = text(issuer.name) || issuers.get(issuerId) || "An issuer without a name";
      if (issuerId && !issuers.has(issuerId)) issuers.set(issuerId, issuerName);
      state.achievements.set(a.id, { name: a.name, issuer: issuerId, issuerName });
      if (!groups.has(issuerName)) groups.set(issuerName, []);
      groups.get(issuerName).push(option(a.id, a.name));
    }
    const achievementSelect = $("#want-achievement");
    const issuerSelect = $("#want-issuer");
    achievementSelect.append(...[...groups].map(([name, options]) => el("optgroup", { label: name }, options)));
    issuerSelect.append(...[...issuers].map(([id, name]) => option(id, name || "An issuer without a name")));
    const params = new URLSearchParams(location.search);
    const wanted = [[achievementSelect, params.get("achievement"), "The badge named in the link"],
      [issuerSelect, params.get("issuer"), "The issuer named in the link"]];
    for (const [select, value, label] of wanted) {
      if (!value) continue;
      if (![...select.options].some((o) => o.value === value)) select.append(option(value, label));
      select.value = value;
    }
    const choices = achievementSelect.options.length + issuerSelect.options.length > 2;
    $("#narrow").hidden = !choices;
    $("#any-badge").hidden = choices;
    if (wanted.some(([, value]) => value)) $("#narrow").open = true;
  }

  /** A badge is asked for from the issuer it is listed under; another issuer drops it. */
  function achievementChosen() {
    const chosen = state.achievements.get($("#want-achievement").value);
    if (chosen && chosen.issuer) $("#want-issuer").value = chosen.issuer;
  }

  function issuerChosen() {
    const chosen = state.achievements.get($("#want-achievement").value);
    if (chosen && chosen.issuer && chosen.issuer !== $("#want-issuer").value) $("#want-achievement").value = "";
  }

  /** What the request asks for, by the names shown in the choices. */
  function askingWords(form) {
    const label = (select) => (select.value ? select.options[select.selectedIndex].textContent : "");
    const achievement = label(form.achievement);
    const issuer = label(form.issuer);
    if (achievement && issuer) return `Asking for “${achievement}” from ${issuer}.`;
    if (achievement) return `Asking for “${achievement}”.`;
    if (issuer) return `Asking for any badge from ${issuer}.`;
    return "Asking for any Open Badge.";
  }

  // --- requests and polling ------------------------------------------------------------------------

  async function post(path, body) {
    const response = await fetch(VERIFIER + path, {
      method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body), credentials: "same-origin", cache: "no-store",
    });
    let data = null;
    try { data = await response.json(); } catch { /* empty */ }
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || `The request failed (${response.status}).`);
    return data;
  }

  function showOnly(id) {
    for (const name of ["ask", "waiting", "result"]) $("#" + name).hidden = name !== id;
  }

  /** Stop waiting: no more polling or countdown, for either wallet's code. */
  function stop() {
    for (const channel of [state.request, state.exchange]) if (channel) clearTimeout(channel.timer);
    clearInterval(state.clockTimer);
    state.request = null;
    state.exchange = null;
  }

  /** Wait for a result at ``resultPath``, shown through ``toResult`` (the OpenID4VP shape). */
  function channel(made, resultPath, toResult) {
    return { ...made, resultPath, toResult, timer: 0 };
  }

  const fromOID4VP = (result) => result;
  /** A VC-API exchange's result in the shape of an OpenID4VP one: its one presentation. */
  const fromExchange = (result) => ({
    verified: result.verified === true, problems: result.problems || [],
    presentations: result.presentation ? { vcapi: [result.presentation] } : {},
  });

  async function ask(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const error = $(".form-error", form);
    error.hidden = true;
    const body = {};
    const achievement = form.achievement.value;
    const issuer = form.issuer.value;
    if (achievement) body.achievement = achievement;
    if (issuer) body.issuer = issuer;
    let request;
    try {
      request = await post("/requests", body);
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      return;
    }
    stop();
    state.body = body;
    state.request = channel(request, "/results/" + encodeURIComponent(request.transactionId), fromOID4VP);
    $('input[name="wallet-kind"][value="oid4vp"]').checked = true;
    showWallet("oid4vp");
    $("#asking").textContent = askingWords(form);
    $("#waiting-status").replaceChildren(el("span", { class: "pulse", "aria-hidden": "true" }), " Waiting for the wallet…");
    showOnly("waiting");
    $("#waiting-title").focus({ preventScroll: true });
    tick();
    state.clockTimer = setInterval(tick, 1000);
    state.request.timer = setTimeout(() => poll(state.request), POLL_MS);
  }

  /** Show the code of the wallet kind chosen; the other one's stays valid and watched. */
  function showWallet(kind) {
    state.kind = kind;
    const vcapi = kind === "vcapi" && state.exchange;
    $("#how-oid4vp").hidden = Boolean(vcapi);
    $("#how-vcapi").hidden = !vcapi;
    const qr = $("#request-qr");
    if (vcapi) {
      const url = new URL(state.exchange.qrSvg, location.origin);
      url.searchParams.set("of", "lcw");
      qr.src = url.pathname + url.search;
      qr.alt = "QR code of the badge request for the Learner Credential Wallet: scan it with the wallet";
      $("#lcw-link").href = state.exchange.lcwExchangeLink;
      $("#interaction-url").textContent = state.exchange.interactionUrl;
    } else if (state.request) {
      qr.src = state.request.qrSvg;
      qr.alt = "QR code of the badge request: scan it with the wallet";
    }
    tick();
  }

  /** The wallet kind chosen: a VC-API exchange, asking for the same, is made the first time. */
  async function walletChosen(event) {
    const kind = event.currentTarget.value;
    const error = $("#wallet-kind-error");
    error.hidden = true;
    if (kind === "vcapi" && !state.exchange && state.request) {
      const waitingFor = state.request;
      let made;
      try {
        made = await post("/exchanges", state.body);
      } catch (e) {
        error.textContent = e.message;
        error.hidden = false;
        $('input[name="wallet-kind"][value="oid4vp"]').checked = true;
        return;
      }
      if (state.request !== waitingFor) return;  // Started over meanwhile.
      state.exchange = channel(made, "/exchanges/results/" + encodeURIComponent(made.transactionId), fromExchange);
      state.exchange.timer = setTimeout(() => poll(state.exchange), POLL_MS);
    }
    showWallet(kind);
  }

  function secondsLeft(request) {
    return Math.round((new Date(request.expiresAt).getTime() - Date.now()) / 1000);
  }

  /** The countdown of the code on screen. */
  function tick() {
    const request = state.kind === "vcapi" && state.exchange ? state.exchange : state.request;
    if (!request) return;
    const left = secondsLeft(request);
    const node = $("#request-expires");
    if (Number.isNaN(left)) { node.textContent = ""; return; }
    if (left <= 0) {
      node.textContent = "This code has expired. Start over for a new one.";
      node.classList.add("over");
      $("#waiting-status").textContent = "No answer came in time.";
      return;
    }
    node.classList.remove("over");
    node.textContent = "The code is valid for " + duration(left);
  }

  const waiting = (request) => request && (request === state.request || request === state.exchange);

  async function poll(request) {
    if (!waiting(request)) return;
    try {
      const response = await fetch(VERIFIER + request.resultPath, {
        headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
      });
      if (response.ok) {
        const data = await response.json();
        if (!waiting(request)) return;
        if (data.status === "done") {
          stop();
          showResult(request.toResult(data.result || {}));
          return;
        }
      } else if (response.status === 404 && secondsLeft(request) <= 0) {
        return;
      }
    } catch { /* the network blinked: try again */ }
    if (waiting(request) && !(secondsLeft(request) < -5)) {
      request.timer = setTimeout(() => poll(request), POLL_MS);
    }
  }

  // --- the result ------------------------------------------------------------------------------------

  function credentialsOf(result) {
    const out = [];
    for (const reports of Object.values(result.presentations || {})) {
      for (const presentation of reports || []) {
        for (const report of presentation.credentials || []) out.push({ presentation, report });
      }
    }
    return out;
  }

  function badgeView(report) {
    const display = report.display || {};
    const summary = report.credential || {};
    let criteria = display.criteria || null;
    if (typeof criteria === "string") criteria = { narrative: criteria };
    return {
      name: text(display.name) || text(summary.name) || "Badge",
      issuer: issuerOf(report, text(display.issuerName) || text(summary.issuerName)),
      issuerId: text(display.issuer) || text(summary.issuer),
      image: display.image,
      description: text(display.description),
      achievementId: text(display.achievementId),
      subjectName: text(display.subjectName),
      criteria: criteria && typeof criteria === "object" ? criteria : null,
      evidence: (Array.isArray(display.evidence) ? display.evidence : []).filter((e) => e && typeof e === "object"),
      id: text(summary.id),
    };
  }

  function stateChip(report) {
    if (report.verified && issuerOf(report).listed) return el("span", { class: "state ok" }, icon("check"), "Verified");
    if (report.verified) return el("span", { class: "state caution" }, icon("alert"), "Valid · issuer not confirmed");
    const bad = firstBad(report.checks);
    if (bad && bad.id === "status_revocation" && bad.outcome === "failed") return el("span", { class: "state bad" }, icon("x"), "Revoked");
    if (bad && bad.id === "status_suspension" && bad.outcome === "failed") return el("span", { class: "state bad" }, icon("x"), "Suspended");
    if (bad && bad.outcome === "error") return el("span", { class: "state warn" }, icon("alert"), "Could not check");
    return el("span", { class: "state bad" }, icon("x"), "Not valid");
  }

  function badgeCard({ presentation, report }) {
    const view = badgeView(report);
    const body = [];
    if (view.description) body.push(el("p", {}, view.description));
    if (view.criteria) {
      body.push(el("h3", {}, "Criteria"));
      if (view.criteria.narrative) body.push(el("p", {}, view.criteria.narrative));
      if (view.criteria.id) body.push(el("p", {}, link(view.criteria.id, "Read the criteria")));
    }
    if (view.evidence.length) {
      body.push(el("h3", {}, "Evidence"), el("ul", { class: "evidence" }, view.evidence.map((e) => el("li", {},
        el("strong", {}, text(e.name) || "Evidence"),
        text(e.description) ? el("p", {}, e.description) : null,
        text(e.narrative) ? el("p", { class: "muted" }, e.narrative) : null,
        e.id ? link(e.id, "Open the evidence") : null))));
    }
    // The identifiers, for whoever needs to quote them, each said as what it is.
    const facts = [
      ["The issuer's digital ID", view.issuerId],
      ["The achievement's ID", view.achievementId],
      ["Shared from the wallet key", text(presentation.holder)],
      ["The badge's ID", view.id],
    ].filter(([, v]) => v);
    if (facts.length) {
      body.push(el("details", { class: "ids" }, el("summary", {}, "Identifiers"),
        el("dl", { class: "facts" }, facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]))));
    }
    const card = el("article", { class: "card badge", "aria-label": "Badge: " + view.name },
      el("div", { class: "badge-art" }, badgeArt(view.image, view.name)),
      el("div", { class: "badge-main" },
        el("h2", { class: "badge-name" }, view.name),
        view.subjectName ? el("p", { class: "awarded" }, "Awarded to ", el("strong", {}, view.subjectName)) : null,
        issuerLine(view.issuer, { class: "badge-issuer" }),
        stateChip(report),
        ...body));
    card.style.setProperty("--hue", String(hueOf(view.name)));
    return card;
  }

  function verdict(result, credentials) {
    if (result.error) {
      if (result.error === "access_denied") {
        return { kind: "neutral", icon: "minus", title: "Not shared", text: "The candidate declined to share a badge." };
      }
      return { kind: "bad", icon: "x", title: "Not verified", text: result.errorDescription || "The wallet answered with an error: " + result.error };
    }
    if (result.verified) return verifiedVerdict(result, credentials);
    const problem = (result.problems || [])[0];
    if (problem) return { kind: "bad", icon: "x", title: "Not verified", text: problem.message };
    for (const { presentation, report } of credentials) {
      const bad = firstBad(report.checks);
      if (bad) {
        const failed = bad.outcome === "failed";
        const title = failed && bad.id === "status_revocation" ? "Revoked"
          : failed && bad.id === "status_suspension" ? "Suspended"
            : failed && bad.id === "validity" && bad.code === "expired" ? "Expired" : "Not verified";
        // A badge whose signature verified comes with its display: say which badge it is.
        const view = report.display ? badgeView(report) : null;
        const said = words(bad);
        return {
          kind: "bad", icon: "x", title,
          text: view ? `${view.name}: ${said.charAt(0).toLowerCase()}${said.slice(1)} ${issuerSentence(view.issuer)}` : said,
        };
      }
      const pbad = firstBad(presentation.checks);
      if (pbad) return { kind: "bad", icon: "x", title: "Not verified", text: words(pbad) };
    }
    for (const reports of Object.values(result.presentations || {})) {
      for (const p of reports || []) {
        const pbad = firstBad(p.checks);
        if (pbad) return { kind: "bad", icon: "x", title: "Not verified", text: words(pbad) };
      }
    }
    return { kind: "bad", icon: "x", title: "Not verified", text: "The answer did not prove what was asked." };
  }

  function issuerSentence(issuer) {
    return issuer.listed ? `From ${issuerWords(issuer)}.` : `Its issuer ${issuerWords(issuer)}.`;
  }

  function warningsOf(result) {
    const out = [];
    for (const reports of Object.values(result.presentations || {})) {
      for (const p of reports || []) {
        for (const w of [p, ...(p.credentials || [])].flatMap((r) => r.warnings || [])) {
          if (w && !out.some((o) => o.code === w.code)) out.push(w);
        }
      }
    }
    return out;
  }

  /** A verified answer: green only when every issuer is listed in a registry and every badge
   * is bound to the person sharing it; otherwise what is not confirmed, in plain words. */
  function verifiedVerdict(result, credentials) {
    const views = credentials.map(({ report }) => badgeView(report));
    const unlisted = views.filter((v) => !v.issuer.listed);
    const unbound = warningsOf(result).some((w) => w.code === "subject_not_bound");
    const onPaper = warningsOf(result).some((w) => w.code === "holder_not_authenticated");
    const first = views[0];
    if (!unlisted.length && !unbound && !onPaper) {
      return {
        kind: "ok", icon: "shield", title: "Verified",
        text: first ? `${first.name}, from ${issuerWords(first.issuer)}: genuine, valid, and shared by its owner.` : "Everything checks out.",
      };
    }
    const shown = unlisted[0] || first;
    const parts = [shown ? `${shown.name} is intact and valid today` : "The badge is intact and valid today"];
    if (unlisted.length) parts.push(`but its issuer ${issuerWords(unlisted[0].issuer)}`);
    if (unbound) parts.push(`${unlisted.length ? "and" : "but"} it names its owner by e-mail address: confirm that address with the person sharing it`);
    if (onPaper) parts.push(`${unlisted.length || unbound ? "and" : "but"} it was read from a QR code: compare the name on it with the candidate`);
    return {
      kind: "caution", icon: "alert",
      title: unlisted.length ? "Valid, but the issuer is not confirmed" : "Valid, but the owner is not confirmed",
      text: parts.join(", ") + ".",
    };
  }

  function showResult(result) {
    const credentials = credentialsOf(result);
    const v = verdict(result, credentials);
    const banner = $("#banner");
    banner.className = "banner " + v.kind;
    document.body.dataset.outcome = v.kind;
    $("#banner-mark").replaceChildren(icon(v.icon));
    $("#result-title").textContent = v.title;
    $("#result-text").textContent = v.text;
    $("#credentials").replaceChildren(...credentials.map(badgeCard));
    const groups = [];
    for (const reports of Object.values(result.presentations || {})) {
      for (const p of reports || []) {
        groups.push(el("div", { class: "check-group" }, el("h3", {}, "The answer from the wallet"), el("ul", { class: "checks" }, checkItems(p.checks))));
        for (const c of p.credentials || []) {
          groups.push(el("div", { class: "check-group" }, el("h3", {}, "The badge: " + badgeView(c).name), el("ul", { class: "checks" }, checkItems(c.checks))));
        }
      }
    }
    const warnings = warningsOf(result);
    if (warnings.length) {
      groups.push(el("div", { class: "check-group" }, el("h3", {}, "Worth knowing"),
        el("ul", { class: "checks" }, warnings.map((w) => el("li", {},
          el("span", { class: "mark caution" }, icon("alert")),
          el("div", {}, el("p", { class: "check-text" }, WARNINGS[w.code] || w.message)))))));
    }
    if (result.problems && result.problems.length) {
      groups.push(el("div", { class: "check-group" }, el("h3", {}, "Problems with the answer"),
        el("ul", { class: "checks" }, result.problems.map((p) => el("li", {},
          el("span", { class: "mark failed" }, icon("x")), el("div", {}, el("p", { class: "check-title" }, PROBLEMS[p.code] || "Not what was asked for"), el("p", { class: "check-text" }, p.message)))))));
    }
    $("#all-checks").replaceChildren(...groups);
    $("#all-checks").parentElement.hidden = !groups.length;
    stop();
    showOnly("result");
    banner.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }

  // --- a badge's own QR code (VP-QR), read from a picture in the page ------------------------------

  async function checkPicture(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    input.value = "";
    const error = $("#paper-error");
    error.hidden = true;
    if (!file) return;
    const fail = (message) => { error.textContent = message; error.hidden = false; };
    let text = null;
    try {
      const picture = await createImageBitmap(file);
      text = await window.QrScan.read(picture);
    } catch {
      return fail("That picture could not be read. Try a sharper, straighter photo of the code.");
    }
    if (!text) return fail("No QR code was found in that picture. Try a sharper, straighter photo of the code.");
    if (!text.startsWith("VP1-")) return fail("That QR code holds no badge. To ask a candidate's wallet for one, use Show QR code above.");
    let response;
    let data = null;
    try {
      response = await fetch(VERIFIER + "/vpqr/verify", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ vpqr: text }), credentials: "same-origin", cache: "no-store",
      });
      data = await response.json();
    } catch {
      return fail("The check could not be made. Try again in a moment.");
    }
    if (!data || !data.presentations) return fail((data && (data.detail || data.title)) || "The QR code could not be checked.");
    showResult(data);
  }

  function again() {
    stop();
    delete document.body.dataset.outcome;
    showOnly("ask");
    $("#ask-title").focus();
  }

  function start() {
    $("#ask-form").addEventListener("submit", ask);
    $("#cancel").addEventListener("click", again);
    $("#again").addEventListener("click", again);
    $("#paper-file").addEventListener("change", checkPicture);
    $("#want-achievement").addEventListener("change", achievementChosen);
    $("#want-issuer").addEventListener("change", issuerChosen);
    for (const input of document.querySelectorAll('input[name="wallet-kind"]')) input.addEventListener("change", walletChosen);
    loadCatalog();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

/* Badge Wallet: a single-page app over the wallet API (/wallet/api).
 *
 * Nothing secret is kept in the browser's storage: the session is an HttpOnly cookie, and
 * the CSRF token (sent as X-CSRF-Token on every state-changing request) lives in memory
 * only, fetched again from GET /wallet/api/session on each page load.
 *
 * A badge's issuer name is whatever its signer wrote: the pages present it as confirmed only
 * when the service's issuer registries list the issuer (the report's issuer_trust check),
 * and as "calls itself …" everywhere else.
 *
 * Learners see words, not protocol: a verifier or issuer by the host of its address (and as
 * this service's own page when it is one), keys said as what they are, and every failure of
 * the wallet API as a sentence that says what to do.
 */
"use strict";

(() => {
  // The wallet's own folder (/wallet/), whether the page is /wallet/, /wallet/index.html or /wallet.
  const HOME = /\/[^/.]+$/.test(location.pathname) ? location.pathname + "/" : location.pathname.replace(/[^/]*$/, "");
  const API = HOME + "api";
  const SVGNS = "http://www.w3.org/2000/svg";
  const SCAN_INTERVAL_MS = 300;
  const MAX_UPLOAD = 2 * 1024 * 1024;

  const state = {
    session: null,      // {username, did, csrfToken}
    pending: null,      // the last scan result: an offer or a request
    done: null,         // what the "done" view shows
    deepLink: null,     // a URI handed to the wallet in the address (#open=…)
    scanProblem: null,  // what the scan view says went wrong, once it opens
    camera: null,       // {stream, scanner}: scanner reads frames in the page (scan.js)
    renderToken: 0,
    backupUrl: null,
    obCallback: null,   // what a host sent the browser back with (#/ob-callback?…)
    hosts: null,        // the connected hosts, once read
  };

  // --- small DOM helpers ------------------------------------------------------------------

  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    for (const child of children) node.append(child);
    return node;
  }

  function icon(name, cls = "icon") {
    return svg("svg", { class: cls, "aria-hidden": "true", focusable: "false" },
      svg("use", { href: "#i-" + name }));
  }

  function hueOf(text) {
    let h = 0;
    for (const ch of String(text || "")) h = (h * 31 + ch.codePointAt(0)) % 360;
    return (h + 230) % 360;
  }

  function initials(text) {
    const words = String(text || "?").replace(/[^\p{L}\p{N} ]/gu, " ").trim().split(/\s+/);
    const letters = words.filter(Boolean).slice(0, 2).map((w) => w[0].toUpperCase()).join("");
    return letters || "?";
  }

  /** The host of the http(s) address in ``value`` (a URL, or a client id such as
   * ``redirect_uri:https://…``), said as ``own`` too when it is this service: the wallet,
   * the issuers' and the employers' pages share one origin. */
  function siteOf(value, own) {
    const match = String(value || "").match(/https?:\/\/[^\s/?#]+/);
    if (!match) return "";
    try {
      const url = new URL(match[0]);
      return url.origin === location.origin ? `${url.host} (${own})` : url.host;
    } catch { return ""; }
  }

  /** An http(s) URL (or, for images, a data:image URL) that is safe to put in a page. */
  function safeUrl(value, { image = false } = {}) {
    if (typeof value !== "string" || !value) return null;
    if (image && /^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(value)) return value;
    try {
      const url = new URL(value, location.href);
      if (url.protocol === "https:" || url.protocol === "http:") return url.href;
    } catch { /* not a URL */ }
    return null;
  }

  /** A medal drawn for badges without an image (or whose image cannot be shown). */
  function medal(name) {
    const h = hueOf(name);
    const id = "g" + Math.random().toString(36).slice(2, 9);
    return svg("svg", { viewBox: "0 0 64 64", "aria-hidden": "true", focusable: "false" },
      svg("defs", {}, svg("linearGradient", { id, x1: 0, y1: 0, x2: 1, y2: 1 },
        svg("stop", { offset: 0, "stop-color": `hsl(${h} 75% 60%)` }),
        svg("stop", { offset: 1, "stop-color": `hsl(${(h + 35) % 360} 70% 42%)` }))),
      svg("path", { d: "M21 38L15 61l10-4.5 6 6.5 3-23z", fill: `hsl(${h} 60% 40%)` }),
      svg("path", { d: "M43 38l6 23-10-4.5-6 6.5-3-23z", fill: `hsl(${(h + 35) % 360} 65% 36%)` }),
      svg("circle", { cx: 32, cy: 28, r: 23, fill: `url(#${id})` }),
      svg("circle", { cx: 32, cy: 28, r: 18, fill: "none", stroke: "#fff", "stroke-opacity": ".55", "stroke-width": 2 }),
      Object.assign(svg("text", {
        x: 32, y: 33.5, "text-anchor": "middle", "font-size": 15, "font-weight": 700,
        fill: "#fff", "font-family": "system-ui, sans-serif",
      }), { textContent: initials(name) }));
  }

  /** The badge's image, or a drawn medal when it has none or the image does not load. */
  function badgeImage(src, name) {
    const url = safeUrl(src, { image: true });
    if (!url) return medal(name);
    const img = el("img", { src: url, alt: "", loading: "lazy", decoding: "async" });
    img.addEventListener("error", () => img.replaceWith(medal(name)), { once: true });
    return img;
  }

  function formatDate(value) {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return "";
    return new Intl.DateTimeFormat(undefined, { dateStyle: "medium" }).format(date);
  }

  // --- credentials: reading what a badge says ------------------------------------------------

  function base64urlJson(part) {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  }

  /** The credential as a JSON object, whatever form it was stored in (object, VC-JWT, envelope). */
  function credentialDocument(value) {
    if (typeof value === "string") {
      const parts = value.trim().split(".");
      if (parts.length !== 3) return null;
      try {
        const payload = base64urlJson(parts[1]);
        return payload && typeof payload.vc === "object" ? payload.vc : payload;
      } catch { return null; }
    }
    if (value && typeof value === "object") {
      const types = [].concat(value.type || []);
      if (types.includes("EnvelopedVerifiableCredential") && typeof value.id === "string") {
        return credentialDocument(value.id.slice(value.id.indexOf(",") + 1));
      }
      return value;
    }
    return null;
  }

  function first(value) { return Array.isArray(value) ? value[0] : value; }
  function text(value) { return typeof value === "string" ? value : ""; }

  /** Everything the pages show about one badge: the service's display data first, then
   * what the credential itself says. */
  function badgeView(display = {}, credential = null) {
    const doc = credentialDocument(credential) || {};
    const subject = first(doc.credentialSubject) || {};
    const achievement = (subject && typeof subject.achievement === "object" && subject.achievement) || {};
    const issuer = typeof doc.issuer === "object" && doc.issuer ? doc.issuer : { id: doc.issuer };
    let criteria = display.criteria ?? achievement.criteria ?? null;
    if (typeof criteria === "string") criteria = { narrative: criteria };
    const imageOf = (value) => (typeof value === "string" ? value : value && value.id);
    const evidence = display.evidence || [].concat(doc.evidence || []);
    return {
      name: display.name || text(achievement.name) || text(doc.name) || "Badge",
      description: display.description || text(achievement.description) || text(doc.description),
      image: imageOf(display.image) || imageOf(achievement.image) || imageOf(doc.image),
      issuerName: display.issuerName || text(issuer.name),
      issuerId: text(display.issuer) || text(issuer.id),
      issuerUrl: text(issuer.url),
      achievementType: text(achievement.achievementType),
      achievementId: text(display.achievement) || text(achievement.id),
      criteria: criteria && typeof criteria === "object" ? criteria : null,
      evidence: evidence.filter((e) => e && typeof e === "object"),
      tags: [].concat(achievement.tag || []).filter((t) => typeof t === "string"),
      results: [].concat(subject.result || []).filter((r) => r && typeof r === "object"),
      validFrom: doc.validFrom || doc.issuanceDate || "",
      validUntil: doc.validUntil || doc.expirationDate || "",
      holder: text(subject.id),
      subjectName: text(display.subjectName),
      credentialId: text(doc.id),
    };
  }

  // --- who issued a badge --------------------------------------------------------------------

  /** The issuer as a report's issuer_trust check has it: a registry's own name for a listed
   * issuer; otherwise only ``claimed``, the name the badge gives, which anyone can write. */
  function issuerOf(report, claimed) {
    const check = ((report && report.checks) || []).find((c) => c && c.id === "issuer_trust");
    const detail = (check && check.detail) || {};
    if (check && check.outcome === "passed" && text(detail.name)) {
      return { listed: true, name: detail.name, registry: text(detail.registry) || "a registry you trust" };
    }
    return {
      listed: false, claimed: text(detail.claimedName) || text(claimed),
      unknown: Boolean(check && check.outcome === "failed" && check.code === "issuer_unknown"),
    };
  }

  /** "Name — listed in Registry", or "calls itself Name; not in your trusted issuers"
   * (without the second half where no check was made). */
  function issuerWords(issuer) {
    if (issuer.listed) return `${issuer.name} — listed in ${issuer.registry}`;
    const said = issuer.claimed ? `calls itself ${issuer.claimed}` : "gives no name";
    return issuer.unknown ? `${said}; not in your trusted issuers` : said;
  }

  /** The issuer under a badge's name: confirmed, or visibly a claim. */
  function issuerLine(issuer) {
    return el("span", { class: issuer.listed ? "issuer-listed" : "issuer-claim" },
      icon(issuer.listed ? "check" : "alert"), issuer.listed ? issuerWords(issuer) : "Issuer " + issuerWords(issuer));
  }

  // --- verification reports in plain words ---------------------------------------------------

  // Checks that are a verdict of their own, never a reason the badge is not valid.
  const ADVISORY = new Set(["issuer_trust"]);

  const CHECK_TITLES = {
    document: "Readable badge",
    schema: "Open Badges format",
    proof: "Signature",
    issuer: "Signed by its issuer",
    issuer_trust: "Issuer recognised",
    validity: "Dates",
    status_revocation: "Not revoked",
    status_suspension: "Not suspended",
    endorsements: "Endorsements",
  };

  function checkTitle(check) {
    if (CHECK_TITLES[check.id]) return CHECK_TITLES[check.id];
    if (check.id.startsWith("status_")) return "Status: " + check.id.slice(7).replace(/_/g, " ");
    return check.id.replace(/_/g, " ");
  }

  function checkWords(check) {
    const { id, outcome, code } = check;
    if (id === "issuer_trust" && (outcome === "passed" || code === "issuer_unknown")) {
      const issuer = issuerOf({ checks: [check] });
      return issuer.listed ? `Listed in ${issuer.registry} as ${issuer.name}.`
        : `The issuer ${issuerWords(issuer)}. That name is its own claim: anyone can sign a badge with any name.`;
    }
    if (outcome === "skipped") {
      if (id === "endorsements") return "No endorsements to check.";
      if (code === "blocked_by_earlier_failure") return "Not checked, because an earlier check failed.";
      return "Does not apply to this badge.";
    }
    const status = id.startsWith("status_");
    if (outcome === "error") {
      if (status) return "The issuer's status list could not be reached, so this could not be checked.";
      return "This could not be checked right now.";
    }
    const passed = outcome === "passed";
    switch (id) {
      case "document": return passed ? "The badge's data is complete and understood." : "The badge's data is damaged or uses terms nobody defined.";
      case "schema": return passed ? "It follows the Open Badges 3.0 rules." : "It breaks the Open Badges rules.";
      case "proof": return passed ? "The issuer's digital signature is genuine: nothing has been changed." : "The signature does not match: the badge was changed, or not signed by its issuer.";
      case "issuer": return passed ? "It was signed with a key that belongs to the issuer it names." : "It was not signed by the issuer it names.";
      case "validity":
        if (code === "expired") return "The badge has expired.";
        if (code === "not_yet_valid") return "The badge is not valid yet.";
        return passed ? "The badge is valid today." : "Its dates are not valid.";
      case "status_revocation": return passed ? "The issuer has not revoked it." : "The issuer has revoked this badge.";
      case "status_suspension": return passed ? "The issuer has not suspended it." : "The issuer has suspended this badge.";
      case "endorsements": return passed ? "Its endorsements are genuine." : "An endorsement is not valid.";
      default: return passed ? "Passed." : "Failed.";
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

  function checkList(checks) {
    return (checks || []).map((check) => el("li", {},
      el("span", { class: "check-mark " + markOf(check) }, icon(MARKS[markOf(check)] || "info")),
      el("div", {},
        el("p", { class: "check-title" }, checkTitle(check),
          el("span", { class: "visually-hidden" }, ": " + check.outcome)),
        el("p", { class: "check-text" }, checkWords(check)),
        showMessage(check) ? el("p", { class: "check-text small" }, check.message) : null)));
  }

  /** {kind: ok|caution|bad|warn, title, text} for a report: green only for a valid badge
   * whose issuer a registry lists. */
  function verdictOf(report) {
    if (!report) return { kind: "warn", title: "Not checked yet", text: "" };
    if (report.verified) {
      if (issuerOf(report).listed) return { kind: "ok", title: "Verified", text: "Genuine, unchanged, and valid today." };
      return { kind: "caution", title: "Valid, but the issuer is not confirmed", text: "Unchanged and valid today; the issuer's name is its own claim." };
    }
    const checks = (report.checks || []).filter((c) => !ADVISORY.has(c.id));
    const failed = checks.find((c) => c.outcome === "failed");
    if (failed) return { kind: "bad", title: failed.id === "status_revocation" ? "Revoked" : "Not valid", text: checkWords(failed) };
    const error = checks.find((c) => c.outcome === "error");
    if (error) return { kind: "warn", title: "Could not fully check", text: checkWords(error) };
    const problem = (report.errors || [])[0];
    return { kind: "bad", title: "Not valid", text: problem ? problem.message : "" };
  }

  /** One word for what a verifier would find, as the wallet API's ``standing`` says it:
   * ``valid``, ``revoked``, ``suspended``, ``expired``, ``invalid``, or ``unknown`` when a
   * check could not be made. */
  function standingOf(report) {
    if (!report) return "unknown";
    if (report.verified) return "valid";
    const failed = new Map((report.checks || [])
      .filter((c) => c.outcome === "failed" && !ADVISORY.has(c.id)).map((c) => [c.id, c.code]));
    if (failed.get("status_revocation") === "revoked") return "revoked";
    if (failed.get("status_suspension") === "suspended") return "suspended";
    if (failed.get("validity") === "expired") return "expired";
    return failed.size || (report.errors || []).length ? "invalid" : "unknown";
  }

  function verdictBox(node, report) {
    const v = verdictOf(report);
    node.className = "verdict " + v.kind;
    node.replaceChildren(icon(v.kind === "ok" ? "shield" : v.kind === "bad" ? "x" : "alert"),
      el("div", {}, v.title, v.text ? el("small", {}, v.text) : null));
  }

  // --- the API -------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      const message = (body && (body.detail || body.error_description || body.title)) || `The request failed (${status}).`;
      super(message);
      this.status = status;
      this.body = body || {};
      this.kind = typeof this.body.type === "string" ? this.body.type.split("/").pop() : this.body.error || "";
    }
  }

  async function api(method, path, { json, body, headers = {}, raw = false, session = true } = {}) {
    const h = new Headers(headers);
    h.set("Accept", "application/json, application/problem+json");
    if (json !== undefined) {
      h.set("Content-Type", "application/json");
      body = JSON.stringify(json);
    }
    if (method !== "GET" && method !== "HEAD" && state.session && state.session.csrfToken) {
      h.set("X-CSRF-Token", state.session.csrfToken);
    }
    let response;
    try {
      response = await fetch(API + path, { method, body, headers: h, credentials: "same-origin", cache: "no-store" });
    } catch {
      throw new ApiError(0, { title: "The wallet service cannot be reached. Check your connection." });
    }
    if (response.ok) {
      if (raw) return response;
      if (response.status === 204) return null;
      const type = response.headers.get("Content-Type") || "";
      return type.includes("json") ? response.json() : response.text();
    }
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON */ }
    const error = new ApiError(response.status, problem);
    if (response.status === 401 && session && state.session) {
      state.session = null;
      toast("Your wallet was locked. Unlock it to go on.");
      route();
    }
    throw error;
  }

  // --- feedback ------------------------------------------------------------------------------

  let toastTimer = 0;
  let toastAt = 0;
  function toast(message) {
    const node = $("#toast");
    node.textContent = message;
    node.hidden = false;
    toastAt = Date.now();
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.hidden = true; }, 3500);
  }

  async function busy(message, work) {
    const box = $("#busy");
    $("#busy-text").textContent = message;
    box.hidden = false;
    try { return await work(); } finally { box.hidden = true; }
  }

  /** What went wrong with a scan, an offer or a request, in a sentence that says what to do,
   * from the wallet API's problem type (``error.kind``) and, for a failed exchange, the
   * other party's error code. ``what`` is "offer", "request" or "" (not known). */
  function problemWords(error, what = "") {
    const who = { offer: "the issuer", request: "the employer" }[what] || "whoever showed you the code";
    const code = text(error.body.error);
    switch (error.kind) {
      case "exchange-failed":
        if (code === "unavailable") {
          return what === "request"
            ? "This code was already answered, or it has expired. Ask the employer to show a new one."
            : `This code was already used, or it has expired. Ask ${who} for a new one.`;
        }
        if (code === "invalid_grant") return "That PIN was not accepted. Check it and try again; after a few wrong tries the offer stops working.";
        if (/^fetch_(scheme_not_allowed|blocked_address)$/.test(text(error.body.code))) {
          return `This code leads to an address the wallet does not connect to (it is not secure, or not on the internet). Ask ${who} for a new one.`;
        }
        if (code === "invalid_request") return `This code cannot be used: it is incomplete, or asks for something this wallet cannot do. Ask ${who} for a new one.`;
        return `${who.charAt(0).toUpperCase() + who.slice(1)} turned it down. Ask them for a new code.`;
      case "fetch-failed": return `The service of ${who} could not be reached. Check your connection and try again in a moment.`;
      case "unsupported-uri": return "This QR code is not a badge offer or a request for a badge. Scan the code the issuer or the employer shows you.";
      case "not-found": return "This offer or request is no longer open in the wallet. Scan the code again.";
      case "invalid-request": return `This code could not be read. Scan it again, or ask ${who} for a new one.`;
      case "cannot-answer": return "The badge you chose is not what was asked for. Choose another one.";
      case "no-qr-code": return "No QR code was found in that picture. Try a sharper, closer one.";
      case "image-too-large": return "That picture is too large. Try a smaller one.";
      case "unsupported-media-type": return "That file is not a picture the wallet can read. Choose a PNG or JPEG picture.";
      case "body-too-large": return "That file is too large.";
      default: return error.message;
    }
  }

  function formError(form, message) {
    const node = $(".form-error", form);
    if (!node) { toast(message); return; }
    node.textContent = message || "";
    node.hidden = !message;
  }

  function setSession(data) {
    state.session = { username: data.username, did: data.did, csrfToken: data.csrfToken };
    state.hosts = null;
  }

  // --- views and routing -----------------------------------------------------------------------

  const TITLES = {
    welcome: "Welcome", badges: "My badges", detail: "Badge", scan: "Scan",
    offer: "A badge for you", request: "Share a badge?", done: "Done", more: "Wallet",
    hosts: "Connected hosts",
  };
  const BACK = { detail: "#/", offer: "#/scan", request: "#/scan", done: "#/", hosts: "#/more" };
  const NAV = { badges: "badges", detail: "badges", scan: "scan", more: "more", done: "badges", hosts: "more" };

  function show(name, { focus = true } = {}) {
    if (name !== "scan") stopCamera();
    // A message said just before moving on stays; an older one goes with the old view.
    if (Date.now() - toastAt > 1500) $("#toast").hidden = true;
    for (const view of $$(".view")) view.hidden = view.id !== "view-" + name;
    const signedIn = Boolean(state.session);
    $("#lock").hidden = !signedIn;
    $("#tabbar").hidden = !signedIn || !(name in NAV);
    $("#back").hidden = !signedIn || !(name in BACK);
    $("#back").dataset.target = BACK[name] || "#/";
    for (const link of $$("#tabbar a")) {
      if (link.dataset.nav === NAV[name]) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${TITLES[name] || ""} · Badge Wallet`;
    window.scrollTo(0, 0);
    if (focus) {
      const heading = $(`#view-${name} h1`);
      if (heading) heading.focus({ preventScroll: true });
    }
  }

  function go(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  }

  function route() {
    const hash = location.hash || "#/";
    if (hash.startsWith("#open=")) {
      try { state.deepLink = decodeURIComponent(hash.slice(6)); } catch { state.deepLink = null; }
      history.replaceState(null, "", location.pathname + location.search + "#/");
    }
    if (hash.startsWith("#/ob-callback?")) {
      // A host sent the browser back: keep its answer in memory only, and take the code
      // out of the address (and so out of the history) at once.
      state.obCallback = new URLSearchParams(hash.slice("#/ob-callback?".length));
      history.replaceState(null, "", location.pathname + location.search + "#/hosts");
    }
    if (!state.session) { showWelcome(); return; }
    if (state.obCallback) {
      const answer = state.obCallback;
      state.obCallback = null;
      finishConnection(answer);
      return;
    }
    if (state.deepLink) {
      const uri = state.deepLink;
      state.deepLink = null;
      openUri(uri);
      return;
    }
    const current = location.hash || "#/";
    if (current === "#/" || current === "#" || current === "#/badges") showBadges();
    else if (current.startsWith("#/badge/")) showDetail(decodeURIComponent(current.slice(8)));
    else if (current === "#/scan") showScan();
    else if (current === "#/more") showMore();
    else if (current === "#/hosts") showHosts();
    else if (current === "#/offer" && state.pending && state.pending.kind === "offer") showOffer();
    else if (current === "#/request" && state.pending && state.pending.kind === "request") showRequest();
    else if (current === "#/done" && state.done) showDone();
    else location.replace("#/");
  }

  // --- welcome: unlock, create, restore ------------------------------------------------------------

  function showWelcome() {
    show("welcome", { focus: false });
    const selected = $('#view-welcome [role="tab"][aria-selected="true"]');
    const panel = selected && $("#" + selected.getAttribute("aria-controls"));
    const input = panel && $("input", panel);
    if (input && !input.value) input.focus({ preventScroll: true });
  }

  function selectTab(tab) {
    for (const other of $$('#view-welcome [role="tab"]')) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      $("#" + other.getAttribute("aria-controls")).hidden = !on;
    }
  }

  function setupWelcome() {
    const tabs = $$('#view-welcome [role="tab"]');
    tabs.forEach((tab, index) => {
      tab.addEventListener("click", () => selectTab(tab));
      tab.addEventListener("keydown", (event) => {
        const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
        if (!step) return;
        const next = tabs[(index + step + tabs.length) % tabs.length];
        selectTab(next);
        next.focus();
      });
    });

    $("#panel-unlock").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const username = form.username.value.trim();
      const passphrase = form.passphrase.value;
      if (!username || !passphrase) { formError(form, "Enter your username and passphrase."); return; }
      formError(form, "");
      try {
        const data = await busy("Unlocking your wallet…", () =>
          api("POST", "/session", { json: { username, passphrase }, session: false }));
        setSession(data);
        form.reset();
        afterSignIn();
      } catch (error) {
        formError(form, error.status === 401 ? "That username and passphrase do not match a wallet here." : error.message);
        form.passphrase.select();
      }
    });

    $("#panel-create").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const username = form.username.value.trim();
      const passphrase = form.passphrase.value;
      if (!username) { formError(form, "Choose a username."); form.username.focus(); return; }
      if (passphrase.length < 8) { formError(form, "Your passphrase needs at least 8 characters."); form.passphrase.focus(); return; }
      if (passphrase !== form.confirm.value) { formError(form, "The two passphrases are not the same."); form.confirm.focus(); return; }
      formError(form, "");
      try {
        const data = await busy("Creating your wallet and its keys…", () =>
          api("POST", "/accounts", { json: { username, passphrase, keyType: form.key_type.value }, session: false }));
        setSession(data);
        form.reset();
        toast("Your wallet is ready.");
        afterSignIn();
      } catch (error) {
        formError(form, error.status === 409 ? "That username is taken. Choose another one." : error.message);
      }
    });

    $("#panel-restore").addEventListener("submit", async (event) => {
      event.preventDefault();
      const form = event.currentTarget;
      const file = form.file.files[0];
      if (!file) { formError(form, "Choose your backup file."); return; }
      if (!form.backup_passphrase.value) { formError(form, "Enter the passphrase of the backup."); return; }
      if (!form.username.value.trim()) { formError(form, "Choose a username for the restored wallet."); return; }
      if (form.passphrase.value.length < 8) { formError(form, "The new passphrase needs at least 8 characters."); return; }
      formError(form, "");
      const data = new FormData();
      data.append("file", file, file.name || "wallet-backup");
      data.append("backupPassphrase", form.backup_passphrase.value);
      data.append("username", form.username.value.trim());
      data.append("passphrase", form.passphrase.value);
      try {
        const answer = await busy("Restoring your wallet…", () =>
          api("POST", "/restore", { body: data, session: false }));
        setSession(answer);
        form.reset();
        toast("Your wallet was restored.");
        afterSignIn();
      } catch (error) {
        formError(form, error.message);
      }
    });
  }

  function afterSignIn() {
    selectTab($("#tab-unlock")); // Whoever comes back to this page next unlocks first.
    const hash = location.hash;
    if (!hash || hash === "#/" || hash === "#") route();
    else if (["#/offer", "#/request", "#/done"].includes(hash)) go("#/");
    else route();
  }

  async function lock() {
    try { await api("DELETE", "/session", { session: false }); } catch { /* locked anyway */ }
    state.session = null;
    state.pending = null;
    state.done = null;
    state.hosts = null;
    toast("Wallet locked.");
    if (location.hash !== "#/") history.replaceState(null, "", "#/");
    route();
  }

  // --- badge list ---------------------------------------------------------------------------------

  // How the list marks a badge a verifier would turn down (a valid one is not marked).
  const STANDING_LABELS = {
    revoked: "Revoked", suspended: "Suspended", expired: "Expired", invalid: "Does not check out",
    unknown: "Could not be checked",
  };

  function standingMark(standing) {
    const label = STANDING_LABELS[standing];
    return label ? el("p", { class: "badge-standing " + standing }, icon(standing === "unknown" ? "alert" : "x"), label) : null;
  }

  /** A badge in a list; its issuer is a claim unless ``report`` (its verification) says a
   * registry lists it. */
  function badgeCard(item, { link = true, report = null } = {}) {
    const name = item.name || "Badge";
    const card = el(link ? "a" : "div", { class: "badge-card", href: link ? "#/badge/" + encodeURIComponent(item.id) : null },
      el("div", { class: "badge-art" }, badgeImage(item.image, name)),
      el("div", { class: "badge-text" },
        el("p", { class: "badge-name" }, name),
        el("p", { class: "badge-issuer" }, issuerLine(issuerOf(report, item.issuerName))),
        standingMark(item.standing),
        item.addedAt ? el("p", { class: "badge-date" }, "Added " + formatDate(item.addedAt)) : null),
      link ? icon("next", "icon chev") : null);
    card.style.setProperty("--hue", String(hueOf(name)));
    return card;
  }

  async function showBadges() {
    const token = ++state.renderToken;
    show("badges");
    $("#pull-result").hidden = true;
    const list = $("#badge-list");
    let items;
    try {
      const data = await api("GET", "/credentials");
      if (token !== state.renderToken) return;
      items = (data.credentials || []).slice().sort((a, b) => String(b.addedAt || "").localeCompare(String(a.addedAt || "")));
      list.replaceChildren(...items.map((item) => el("li", { "data-id": item.id }, badgeCard(item))));
      $("#badges-empty").hidden = items.length > 0;
      $("#badges-count").textContent = items.length
        ? `${items.length} badge${items.length === 1 ? "" : "s"} · ${state.session.username}` : "";
      hostButtons($("#pull-actions"), (host) => `Get badges from ${host.host}`, pullFrom);
    } catch (error) {
      if (error.status !== 401) toast(error.message);
      return;
    }
    await markStandings(items, token);
  }

  /** Mark the badges a verifier would turn down. The list does not say how each badge
   * stands, so each one's detail (checked afresh, status included) is read, two at a
   * time, and its card redrawn when it is revoked, suspended, expired or not valid, or when
   * a registry lists its issuer. */
  async function markStandings(items, token) {
    const list = $("#badge-list");
    const queue = items.filter((item) => !item.standing);
    list.setAttribute("aria-busy", "true");
    await Promise.all([0, 1].map(async () => {
      while (queue.length && token === state.renderToken) {
        const item = queue.shift();
        try {
          const detail = await api("GET", "/credentials/" + encodeURIComponent(item.id));
          const standing = standingOf(detail.report);
          const li = $(`#badge-list li[data-id="${CSS.escape(item.id)}"]`);
          if ((standing !== "valid" || issuerOf(detail.report).listed) && li && token === state.renderToken) {
            li.replaceChildren(badgeCard({ ...item, standing }, { report: detail.report }));
          }
        } catch { /* left unmarked */ }
      }
    }));
    if (token === state.renderToken) list.removeAttribute("aria-busy");
  }

  // --- badge detail -------------------------------------------------------------------------------

  function section(title, ...content) {
    return [el("h2", {}, title), ...content.filter(Boolean)];
  }

  function link(url, label) {
    const safe = safeUrl(url);
    return safe ? el("a", { href: safe, target: "_blank", rel: "noopener noreferrer" }, label || safe) : null;
  }

  function detailBody(view, issuer) {
    const parts = [];
    if (view.description) parts.push(...section("About", el("p", {}, view.description)));
    if (view.criteria) {
      parts.push(...section("How it was earned",
        view.criteria.narrative ? el("p", {}, view.criteria.narrative) : null,
        view.criteria.id ? el("p", {}, link(view.criteria.id, "Read the criteria")) : null));
    }
    if (view.results.length) {
      parts.push(...section("Results", el("ul", { class: "evidence" }, view.results.map((r) =>
        el("li", {}, el("strong", {}, text(r.value) || text(r.status) || "Result"),
          text(r.achievedLevel) ? el("span", { class: "muted small" }, r.achievedLevel) : null)))));
    }
    if (view.evidence.length) {
      parts.push(...section("Evidence", el("ul", { class: "evidence" }, view.evidence.map((e) =>
        el("li", {},
          el("strong", {}, text(e.name) || "Evidence"),
          text(e.description) ? el("p", {}, e.description) : null,
          text(e.narrative) ? el("p", { class: "muted" }, e.narrative) : null,
          e.id ? link(e.id, "Open the evidence") : null)))));
    }
    // A listed issuer by its registry's name; any other by what it calls itself, with its
    // own link and id shown as the badge gives them.
    parts.push(...section("Issued by", el("div", { class: "issuer-line" },
      el("div", { class: "avatar", "aria-hidden": "true" }, initials(issuer.listed ? issuer.name : issuer.claimed)),
      el("div", {},
        el("p", { class: "party-name" }, issuerLine(issuer)),
        view.issuerUrl ? link(view.issuerUrl) : null,
        view.issuerId ? el("p", { class: "party-id" }, "Its digital ID, which signed the badge: ", view.issuerId) : null))));
    if (view.tags.length) parts.push(el("ul", { class: "tags", "aria-label": "Tags" }, view.tags.map((t) => el("li", {}, t))));
    return parts;
  }

  async function showDetail(id) {
    const token = ++state.renderToken;
    show("detail");
    $("#detail-title").textContent = "Loading…";
    $("#detail-subject").hidden = true;
    $("#detail-issuer").textContent = "";
    $("#detail-image").replaceChildren();
    $("#detail-body").replaceChildren();
    $("#detail-checks").replaceChildren();
    $("#detail-selective").hidden = true;
    $("#detail-verdict").replaceChildren();
    $("#detail-verdict").className = "verdict";
    let data;
    try {
      data = await api("GET", "/credentials/" + encodeURIComponent(id));
    } catch (error) {
      if (token !== state.renderToken) return;
      if (error.status === 404) { toast("That badge is not in your wallet."); location.replace("#/"); }
      else if (error.status !== 401) { $("#detail-title").textContent = "Badge"; toast(error.message); }
      return;
    }
    if (token !== state.renderToken) return;
    const view = badgeView(data.display || {}, data.credential);
    const hero = $(".detail-hero");
    hero.style.setProperty("--hue", String(hueOf(view.name)));
    $("#detail-image").replaceChildren(badgeImage(view.image, view.name));
    const issuer = issuerOf(data.report, view.issuerName);
    $("#detail-title").textContent = view.name;
    $("#detail-subject").textContent = view.subjectName ? "Awarded to " + view.subjectName : "";
    $("#detail-subject").hidden = !view.subjectName;
    $("#detail-issuer").replaceChildren(issuerLine(issuer));
    document.title = `${view.name} · Badge Wallet`;
    verdictBox($("#detail-verdict"), data.report);
    // A selective-disclosure badge (ecdsa-sd-2023): the learner may leave their identity out.
    const selective = Boolean(data.disclosure && data.disclosure.selective);
    $("#detail-selective").hidden = !selective;
    $("#detail-qr-note").textContent = selective ? QR_NOTE_SELECTIVE : QR_NOTE;
    $("#detail-body").replaceChildren(...detailBody(view, issuer));
    $("#detail-checks").replaceChildren(...checkList(data.report && data.report.checks));
    const facts = [
      ["Type", view.achievementType],
      ["Valid from", view.validFrom && formatDate(view.validFrom)],
      ["Valid until", view.validUntil && formatDate(view.validUntil)],
      ["Signed as", FORMATS[data.format] || data.format || ""],
      ["Badge ID", view.credentialId],
      ["Held by", view.holder === state.session.did ? `This wallet's key (${view.holder})` : view.holder],
      ["Checked", data.report && data.report.checkedAt ? new Date(data.report.checkedAt).toLocaleString() : ""],
    ].filter(([, value]) => value);
    $("#detail-facts").replaceChildren(...facts.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
    $("#detail-raw").textContent = typeof data.credential === "string"
      ? data.credential : JSON.stringify(data.credential, null, 2);
    $("#detail-delete").dataset.id = id;
    $("#detail-delete").dataset.name = view.name;
    $("#detail-qr").hidden = true;
    $("#detail-qr-image").removeAttribute("src");
    $("#detail-qr-button").hidden = data.format !== "ldp_vc";
    $("#detail-qr-button").setAttribute("aria-expanded", "false");
    $("#detail-qr-button").dataset.id = id;
    await loadPublication(id, token);
    hostButtons($("#detail-send"), (host) => `Send to ${host.host}`, (host) => sendTo(host, id, view.name));
  }

  const QR_NOTE = "Print it on your CV or show it on screen: an employer's verifier reads the whole badge from it and checks it, with no connection to your wallet. It proves the badge is genuine, not that you are the one holding the paper.";
  const QR_NOTE_SELECTIVE = "Print it on your CV or show it on screen: an employer's verifier reads the badge and your name from it, never your e-mail address, and checks it with no connection to your wallet. It proves the badge is genuine, not that you are the one holding the paper.";

  /** The badge as a VP-QR code (CBOR-LD in a QR code), made by the wallet API; a badge that
   * does not fit gets the API's reason instead. */
  async function showQr() {
    const button = $("#detail-qr-button");
    const panel = $("#detail-qr");
    if (!panel.hidden) {
      panel.hidden = true;
      button.setAttribute("aria-expanded", "false");
      return;
    }
    try {
      const qr = await api("GET", "/credentials/" + encodeURIComponent(button.dataset.id) + "/vpqr");
      $("#detail-qr-image").src = qr.image;
      $("#detail-qr-image").hidden = false;
      $("#detail-qr-print").hidden = false;
      $("#detail-qr-size").textContent = `${qr.bytes} bytes of CBOR-LD, ${qr.characters} characters.`;
    } catch (error) {
      if (error.status === 401) return;
      $("#detail-qr-image").hidden = true;
      $("#detail-qr-print").hidden = true;
      $("#detail-qr-size").textContent = error.message;
    }
    panel.hidden = false;
    button.setAttribute("aria-expanded", "true");
  }

  // --- the public page -------------------------------------------------------------------------

  /** What publishing will reveal, said before the learner chooses, from the API's
   * ``disclosure``: a selective-disclosure badge leaves their identity out of the copy; any
   * other badge is signed as a whole, so its download holds what the issuer signed. */
  function publishNote(disclosure) {
    const d = disclosure || {};
    if (d.selective) {
      return "This badge lets you leave parts of it out: the published copy, download included, never holds your e-mail address, and holds your name only if you show it.";
    }
    const signed = [d.namesSubject ? "your name" : "", d.emailHash ? "your e-mail address as a salted hash (a code anyone who already knows your address can match)" : ""].filter(Boolean);
    return "The page never shows your e-mail address. This badge is signed as a whole, though: the download holds everything your issuer signed"
      + (signed.length ? ", including " + signed.join(" and ") : "") + ". Leave the download off to keep "
      + (signed.length ? "that" : "it") + " off the web.";
  }

  function showPublication(id, publication) {
    const panel = $("#detail-publish");
    panel.dataset.id = id;
    $("#publish-off").hidden = publication.published;
    $("#publish-on").hidden = !publication.published;
    if (!publication.published) {
      const d = publication.disclosure || {};
      $("#publish-show-name").checked = false;
      $("#publish-offer-download").checked = Boolean(d.selective || !(d.namesSubject || d.emailHash));
      $("#publish-note").textContent = publishNote(d);
      return;
    }
    $("#publish-url").value = publication.url;
    $("#publish-open").href = publication.url;
    $("#publish-linkedin").href = publication.linkedinUrl;
    $("#publish-choices").textContent = (publication.showName ? "Your name is shown." : "Your name is not shown.")
      + (publication.offerDownload ? " Visitors can download the credential." : " The credential is not offered for download.");
  }

  async function loadPublication(id, token = state.renderToken) {
    $("#detail-publish").hidden = true;
    try {
      const published = await api("GET", "/credentials/" + encodeURIComponent(id) + "/publication");
      if (token !== state.renderToken) return;
      showPublication(id, published);
      $("#detail-publish").hidden = false;
    } catch (error) {
      if (error.status !== 401) toast(error.message);
    }
  }

  async function publishBadge(event) {
    event.preventDefault();
    const id = $("#detail-publish").dataset.id;
    const form = event.currentTarget;
    try {
      const published = await busy("Publishing…", () => api("POST", "/credentials/" + encodeURIComponent(id) + "/publication", {
        json: { showName: form.showName.checked, offerDownload: form.offerDownload.checked },
      }));
      showPublication(id, published);
      toast("Published. Copy the link to share it.");
      $("#publish-url").focus();
    } catch (error) {
      if (error.status !== 401) formError(form, error.message);
    }
  }

  async function unpublishBadge() {
    const id = $("#detail-publish").dataset.id;
    if (!window.confirm("Unpublish this badge? Its page and the copy behind it are deleted, and the link stops working.")) return;
    try {
      await api("DELETE", "/credentials/" + encodeURIComponent(id) + "/publication");
      toast("Unpublished. The page is gone.");
      await loadPublication(id);
    } catch (error) {
      if (error.status !== 401) toast(error.message);
    }
  }

  async function copyLink() {
    const input = $("#publish-url");
    try {
      await navigator.clipboard.writeText(input.value);
      toast("Link copied.");
    } catch {
      input.select();
      toast("Select the link and copy it.");
    }
  }

  // How a badge is signed, for the technical details.
  const FORMATS = {
    ldp_vc: "A Data Integrity proof inside the badge (ldp_vc)",
    jwt_vc_json: "A JSON Web Token (jwt_vc_json)",
    json: "Open Badges 2.0, or other JSON (json)",
  };

  async function deleteBadge() {
    const button = $("#detail-delete");
    if (!window.confirm(`Remove “${button.dataset.name}” from this wallet? You cannot undo this.`)) return;
    try {
      await api("DELETE", "/credentials/" + encodeURIComponent(button.dataset.id));
      toast("Badge removed.");
      go("#/");
    } catch (error) {
      if (error.status !== 401) toast(error.message);
    }
  }

  // --- scanning -------------------------------------------------------------------------------------

  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return null;
      return new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch { return null; }
  }

  function scanStatus(message) { $("#scan-status").textContent = message; }

  function showScan() {
    show("scan");
    const problem = state.scanProblem;
    state.scanProblem = null;
    $("#scan-error").textContent = problem || "";
    $("#scan-error").hidden = !problem;
    startCamera();
  }

  async function startCamera() {
    stopCamera();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      scanStatus("This browser cannot use a camera here. Paste a link or choose a picture instead.");
      return;
    }
    const camera = { stream: null, scanner: null };
    state.camera = camera;
    scanStatus("Starting the camera…");
    try {
      camera.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (error) {
      if (state.camera === camera) state.camera = null;
      const denied = error && error.name === "NotAllowedError";
      scanStatus(denied
        ? "The camera is blocked. Allow it in your browser, or paste a link or choose a picture."
        : "No camera is available. Paste a link or choose a picture instead.");
      return;
    }
    if (state.camera !== camera) { camera.stream.getTracks().forEach((t) => t.stop()); return; }
    const video = $("#scan-video");
    video.srcObject = camera.stream;
    try { await video.play(); } catch { /* autoplay of a muted video is allowed */ }
    if (state.camera !== camera) return;
    $("#viewfinder").classList.add("live");
    $("#cam-stop").hidden = false;
    scanStatus("Point your camera at the QR code.");
    // Frames are read in the page (scan.js): they are never uploaded.
    camera.scanner = window.QrScan.watch(video, {
      interval: SCAN_INTERVAL_MS,
      onFound: (text) => codeFound(camera, text),
      onError: (error) => scanStatus("Still looking… (" + error.message + ")"),
    });
    camera.scanner.ready.catch(() => {
      if (state.camera !== camera) return;
      stopCamera();
      scanStatus("This browser cannot read QR codes from the camera. Paste a link or choose a picture instead.");
    });
  }

  function stopCamera() {
    const camera = state.camera;
    state.camera = null;
    if (camera) {
      if (camera.scanner) camera.scanner.stop();
      if (camera.stream) camera.stream.getTracks().forEach((t) => t.stop());
    }
    const video = $("#scan-video");
    if (video) { video.pause(); video.srcObject = null; }
    const finder = $("#viewfinder");
    if (finder) finder.classList.remove("live");
    const stop = $("#cam-stop");
    if (stop) stop.hidden = true;
  }

  function frameBlob(source, width, height, type = "image/jpeg") {
    const scale = Math.min(1, 1024 / Math.max(width, height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const context = canvas.getContext("2d");
    context.fillStyle = "#fff";
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob(resolve, type, 0.88));
  }

  /** The text of the QR code in an uploaded picture, decoded by the wallet service (zxing-cpp); null
   *  if none. Camera frames are never sent: scan.js reads them in the page. */
  async function decodeOnServer(blob) {
    try {
      const answer = await api("POST", "/decode-qr", { body: blob, headers: { "Content-Type": blob.type || "image/jpeg" } });
      return answer && typeof answer.text === "string" ? answer.text : null;
    } catch (error) {
      if (error.status === 422) return null;
      throw error;
    }
  }

  async function codeFound(camera, text) {
    if (state.camera !== camera) return;
    stopCamera();
    scanStatus("QR code found.");
    await openUri(text);
  }

  async function imageBlobForUpload(file) {
    if ((file.type === "image/png" || file.type === "image/jpeg") && file.size <= MAX_UPLOAD) return file;
    const bitmap = await createImageBitmap(file);
    try { return await frameBlob(bitmap, bitmap.width, bitmap.height); } finally { bitmap.close && bitmap.close(); }
  }

  async function scanPicture(file) {
    const box = $("#scan-error");
    box.hidden = true;
    try {
      const text = await busy("Reading the QR code…", async () => {
        const detector = await nativeDetector();
        if (detector) {
          const bitmap = await createImageBitmap(file);
          const codes = await detector.detect(bitmap);
          if (codes.length) return codes[0].rawValue;
        }
        return decodeOnServer(await imageBlobForUpload(file));
      });
      if (!text) {
        scanProblem("No QR code was found in that picture. Try a sharper, closer one.");
        return;
      }
      stopCamera();
      await openUri(text);
    } catch (error) {
      if (error.status === 401) return;
      scanProblem(error instanceof ApiError ? problemWords(error) : "That file could not be read as a picture.");
    }
  }

  /** Ask the wallet service what a scanned URI is: an offer of badges or a request for one. */
  async function openUri(uri) {
    const value = String(uri || "").trim();
    if (!value) return;
    try {
      const answer = await busy("Looking it up…", () => api("POST", "/scan", { json: { uri: value } }));
      state.pending = answer;
      if (answer.kind === "offer") go("#/offer");
      else if (answer.kind === "request") go("#/request");
      else throw new ApiError(400, { title: "This QR code is not a badge offer or request." });
    } catch (error) {
      if (error.status === 401) return;
      scanProblem(problemWords(error, uriKind(value)));
      scanStatus("Try again, or use another code.");
    }
  }

  /** What a scanned URI offers, as far as its form tells: "offer", "request" or "". */
  function uriKind(uri) {
    if (/^openid-credential-offer:|[?&]credential_offer(_uri)?=/i.test(uri)) return "offer";
    if (/^openid4vp:|[?&]request_uri=/i.test(uri)) return "request";
    return "";
  }

  /** Say what went wrong at the top of the scan view, scrolled into sight (clear of the top
   * and tab bars) and announced; from another view, once the scan view opens. */
  function scanProblem(message) {
    state.scanProblem = message;
    if (location.hash !== "#/scan") { go("#/scan"); return; }
    state.scanProblem = null;
    const box = $("#scan-error");
    box.textContent = message;
    box.hidden = false;
    box.scrollIntoView({ block: "nearest" });
  }

  // --- offer consent ---------------------------------------------------------------------------------

  /** A party known by its site (``name`` from siteOf): a building, not "initials" such as
   * "10" for 10.0.0.1; ``detail`` says more in words. */
  function partyBlock(name, detail) {
    return [
      el("div", { class: "avatar", "aria-hidden": "true" }, icon("building")),
      el("div", {}, el("p", { class: "party-name" }, name), detail ? el("p", { class: "party-id" }, detail) : null),
    ];
  }

  function showOffer() {
    const offer = state.pending;
    // The connection vouches for the host; the name is what the issuer calls itself.
    const issuer = offer.issuer || {};
    $("#offer-party").replaceChildren(...partyBlock(siteOf(issuer.id, "this service") || "An issuer",
      text(issuer.name) ? "Calls itself " + issuer.name : "Gives no name"));
    // The offer names the badge (its achievement's name, description and image); an
    // issuer that says nothing of it gets "A badge".
    const items = (offer.credentials || []).map((c) => {
      const name = text(c.name) || "A badge";
      const li = el("li", {},
        el("span", { class: "offer-art" }, badgeImage(c.image, name)),
        el("div", {},
          el("span", { class: "offer-name" }, name),
          text(c.description) ? el("small", { class: "offer-desc" }, c.description) : null));
      li.style.setProperty("--hue", String(hueOf(name)));
      return li;
    });
    $("#offer-items").replaceChildren(...(items.length ? items : [el("li", {}, icon("badge"), "A badge")]));
    const pin = offer.txCode;
    const form = $("#offer-form");
    form.reset();
    formError(form, "");
    $("#offer-pin").hidden = !pin;
    const input = $("#offer-pin-input");
    input.removeAttribute("aria-invalid");
    if (pin) {
      input.required = true;
      if (pin.length) { input.maxLength = pin.length; input.size = pin.length; } else input.removeAttribute("maxlength");
      const digits = pin.length ? `${pin.length}-digit ` : "";
      const said = String(pin.description || "").replace(/[.\s]+$/, "");
      $("#offer-pin-hint").textContent = said
        ? said + (pin.length ? `: ${pin.length} digits.` : ".")
        : `Type the ${digits}PIN shown on the issuer's screen.`;
    } else {
      input.required = false;
    }
    show("offer");
    if (pin) input.focus({ preventScroll: true });
  }

  async function acceptOffer(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const offer = state.pending;
    if (!offer || offer.kind !== "offer") { go("#/"); return; }
    const body = {};
    const input = $("#offer-pin-input");
    if (offer.txCode) {
      const pin = input.value.replace(/\s+/g, "");
      if (!pin || (offer.txCode.length && pin.length !== offer.txCode.length)) {
        input.setAttribute("aria-invalid", "true");
        formError(form, offer.txCode.length ? `The PIN has ${offer.txCode.length} digits.` : "Type the PIN.");
        input.focus();
        return;
      }
      body.txCode = pin;
    }
    formError(form, "");
    try {
      const answer = await busy("Receiving and checking your badge…", () =>
        api("POST", `/offers/${encodeURIComponent(offer.handle)}/accept`, { json: body }));
      state.pending = null;
      const summary = answer.credential || {};
      state.done = {
        mark: "check", title: "Badge added",
        text: `${summary.name || "Your badge"} is now in your wallet.`,
        card: summary, report: answer.report, primary: summary.id ? ["View badge", "#/badge/" + encodeURIComponent(summary.id)] : ["See my badges", "#/"],
        secondary: ["See all my badges", "#/"],
      };
      go("#/done");
    } catch (error) {
      if (error.status === 401) return;
      if (error.kind === "credential-not-verified") {
        const v = verdictOf(error.body.report);
        formError(form, `The badge did not pass its checks, so it was not added. ${v.text}`);
      } else if (offer.txCode && error.body.error === "invalid_grant") {
        input.setAttribute("aria-invalid", "true");
        formError(form, problemWords(error, "offer"));
        input.select();
      } else {
        formError(form, problemWords(error, "offer"));
      }
    }
  }

  // --- request consent -------------------------------------------------------------------------------

  function showRequest() {
    const request = state.pending;
    $("#request-party").replaceChildren(...partyBlock(verifierName(request.verifier),
      "Sees the badge you choose, once you share it"));
    const asks = (request.asks || []).map((ask, _, all) => el("li", {},
      all.length === 1 ? askWords(String(ask), request.matches || []) : String(ask)));
    $("#request-asks").replaceChildren(...(asks.length ? asks : [el("li", {}, "A badge")]));
    const matches = request.matches || [];
    const canAnswer = Boolean(request.canAnswer) && matches.length > 0;
    $("#request-matches").replaceChildren(...matches.map((m, i) => {
      const input = el("input", { type: "radio", name: "credential", value: m.id, checked: i === 0 });
      const warning = STANDING_WARNINGS[m.standing];
      const label = el("label", { class: "choice" }, input,
        el("span", { class: "mini-art" }, badgeImage(m.image, m.name || "Badge")),
        el("span", {}, el("strong", {}, m.name || "Badge"),
          issuerLine(issuerOf({ checks: m.issuerTrust ? [m.issuerTrust] : [] }, m.issuerName)),
          warning ? el("span", { class: "standing" }, warning) : null));
      return label;
    }));
    const what = () => {
      const chosen = $('input[name="credential"]:checked', $("#request-matches"));
      $("#request-what").textContent = requestWhat(matches.find((m) => chosen && m.id === chosen.value));
    };
    $("#request-matches").onchange = what;
    what();
    $("#request-matches-box").hidden = !canAnswer;
    $("#request-none").hidden = canAnswer;
    $("#request-what").hidden = !canAnswer;
    $("#request-share").hidden = !canAnswer;
    formError($("#request-form"), "");
    show("request");
  }

  /** What the verifier will see of the chosen badge: all of it, or of a selective-disclosure
   * badge what it asks for and what the issuer always shows. */
  function requestWhat(match) {
    if (match && match.selective) {
      return "They will see what they asked for and what its issuer always shows (the achievement, the issuer and the dates), and your wallet key. Your name and e-mail address stay out unless they asked for them.";
    }
    return "They will see the whole badge: its name, issuer, criteria and evidence, and your wallet key, which proves the badge is yours.";
  }

  /** The one thing a request asks for, with the achievement and the issuer it names by
   * their identifiers said instead as the matching badges name them (every match has that
   * achievement and that issuer); as the service wrote it when the matches differ or none. */
  function askWords(ask, matches) {
    const only = (key) => {
      const names = new Set(matches.map((m) => text(m[key])));
      return names.size === 1 && !names.has("") ? [...names][0] : "";
    };
    const badge = only("name");
    const issuer = only("issuerName");
    let line = ask;
    if (badge) line = line.replace(/ for the achievement \S+/, ` for the achievement “${badge}”`);
    if (issuer) line = line.replace(/ issued by \S+/, ` from the issuer that calls itself ${issuer}`);
    return line;
  }

  // What the holder is told before sharing a badge that the verifier will turn down.
  const STANDING_WARNINGS = {
    revoked: "Revoked by its issuer: the other side will see that.",
    suspended: "Suspended by its issuer: the other side will see that.",
    expired: "Expired: the other side will see that.",
    invalid: "This badge does not check out: the other side will see that.",
    unknown: "Its status could not be checked just now.",
  };

  async function respondToRequest(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const request = state.pending;
    if (!request || request.kind !== "request") { go("#/"); return; }
    const chosen = $$('input[name="credential"]:checked', form).map((input) => input.value);
    if (!chosen.length) { formError(form, "Choose the badge to share."); return; }
    const name = verifierName(request.verifier);
    try {
      const answer = await busy("Sharing your badge…", () =>
        api("POST", `/requests/${encodeURIComponent(request.handle)}/respond`, { json: { credentialIds: chosen } }));
      state.pending = null;
      const shared = (request.matches || []).find((m) => m.id === chosen[0]) || {};
      state.done = {
        mark: "send", title: "Shared",
        text: `You shared ${shared.name ? "“" + shared.name + "”" : "your badge"} with ${name}. The result is now on their screen.`,
        card: shared.id ? { ...shared } : null,
        primary: ["See my badges", "#/"], secondary: ["Scan another code", "#/scan"],
        redirect: answer && answer.redirectUri,
      };
      go("#/done");
    } catch (error) {
      if (error.status !== 401) formError(form, problemWords(error, "request"));
    }
  }

  /** Who asks: the host the answer goes to (a request names no one else a wallet can
   * trust), said as this service's employer page when it is one. */
  function verifierName(verifier) {
    const v = verifier || {};
    return siteOf(v.responseUri, "this service's employer page")
      || siteOf(v.clientId, "this service's employer page") || "A website";
  }

  async function declineRequest() {
    const request = state.pending;
    state.pending = null;
    if (request && request.kind === "request") {
      try {
        await api("POST", `/requests/${encodeURIComponent(request.handle)}/decline`, { json: {} });
      } catch (error) {
        if (error.status === 401) return;
      }
    }
    toast("You declined. Nothing was shared.");
    go("#/");
  }

  // --- done -------------------------------------------------------------------------------------------

  function showDone() {
    const done = state.done;
    const mark = $("#done-mark");
    mark.className = "done-mark" + (done.markClass ? " " + done.markClass : "");
    mark.replaceChildren(icon(done.mark || "check"));
    $("#done-title").textContent = done.title;
    $("#done-text").textContent = done.text;
    const holder = $("#done-card");
    holder.replaceChildren();
    if (done.card) holder.append(badgeCard(done.card, { link: Boolean(done.card.id) && done.mark !== "send", report: done.report }));
    if (done.report) {
      const box = el("div", { class: "verdict", role: "status" });
      verdictBox(box, done.report);
      box.style.marginTop = ".75rem";
      holder.append(box);
    }
    const primary = $("#done-primary");
    primary.textContent = done.primary[0];
    primary.href = done.primary[1];
    const secondary = $("#done-secondary");
    secondary.hidden = !done.secondary;
    if (done.secondary) { secondary.textContent = done.secondary[0]; secondary.href = done.secondary[1]; }
    if (done.redirect && safeUrl(done.redirect)) {
      holder.append(el("p", { class: "hint" }, link(done.redirect, "Continue on the verifier's site")));
    }
    show("done");
  }

  // --- connected hosts (Open Badges API) ------------------------------------------------------------------

  /** What went wrong with a connected host, in a sentence that says what to do. */
  function hostProblemWords(error) {
    switch (error.kind) {
      case "ob-host-not-allowed": return "The wallet does not connect to that address (it is not secure, or not on the internet). Check the address.";
      case "ob-host-failed": return "That host did not answer as an Open Badges host should. Check the address, or try again later.";
      case "ob-state-invalid": return "This connection could not be finished (it expired, or was started in another window). Connect again.";
      case "ob-refused": return text(error.body.error) === "access_denied"
        ? "The connection was not allowed at the host." : `The host refused: ${error.message}`;
      case "ob-connection-expired": return "This host no longer accepts the wallet's permission. Disconnect it and connect again.";
      case "not-found": return "That host is no longer connected.";
      case "invalid-request": return "Type the host's address, such as https://badges.example.org.";
      default: return error.message;
    }
  }

  async function loadHosts() {
    const data = await api("GET", "/ob/connections");
    state.hosts = data.connections || [];
    return state.hosts;
  }

  /** One button per connected host in ``box`` (hidden when there is none). */
  async function hostButtons(box, label, action) {
    box.replaceChildren();
    box.hidden = true;
    let hosts;
    try { hosts = state.hosts || await loadHosts(); } catch { return; }
    box.replaceChildren(...hosts.map((host) => el("button", {
      type: "button", class: "btn outline wide", onclick: () => action(host),
    }, icon("send"), label(host))));
    box.hidden = hosts.length === 0;
  }

  async function showHosts() {
    const token = ++state.renderToken;
    show("hosts");
    let hosts;
    try { hosts = await loadHosts(); } catch (error) {
      if (error.status !== 401) toast(hostProblemWords(error));
      return;
    }
    if (token !== state.renderToken) return;
    $("#host-list").replaceChildren(...hosts.map((host) => el("li", {},
      el("div", { class: "grow" },
        el("p", { class: "host-name" }, host.host),
        el("p", { class: "muted small" }, "Connected " + formatDate(host.connectedAt))),
      el("button", { type: "button", class: "btn danger-outline", "aria-label": `Disconnect ${host.host}`,
        onclick: () => disconnect(host) }, "Disconnect"))));
    $("#hosts-empty").hidden = hosts.length > 0;
  }

  async function connectHost(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const hostUrl = form.host_url.value.trim();
    if (!hostUrl) { formError(form, "Type the host's address."); form.host_url.focus(); return; }
    formError(form, "");
    try {
      const answer = await busy("Contacting the host…", () => api("POST", "/ob/connections", { json: { hostUrl } }));
      const url = safeUrl(answer.authorizationUrl);
      if (!url) { formError(form, "That host gave an address the wallet cannot open."); return; }
      location.assign(url); // The host's page; it sends the browser back to the wallet.
    } catch (error) {
      if (error.status !== 401) { formError(form, hostProblemWords(error)); form.host_url.focus(); }
    }
  }

  async function finishConnection(answer) {
    const body = { state: answer.get("state") || "" };
    if (answer.get("code")) body.code = answer.get("code");
    if (answer.get("error")) body.error = answer.get("error");
    if (answer.get("error_description")) body.errorDescription = answer.get("error_description");
    try {
      const done = await busy("Finishing the connection…", () => api("POST", "/ob/callback", { json: body }));
      state.hosts = null;
      toast(`Connected to ${done.connection.host}.`);
    } catch (error) {
      if (error.status !== 401) toast(hostProblemWords(error));
    }
    go("#/hosts");
  }

  async function disconnect(host) {
    if (!confirm(`Disconnect ${host.host}? The wallet gives back its permission there.`)) return;
    try {
      const answer = await busy("Disconnecting…", () => api("DELETE", "/ob/connections/" + encodeURIComponent(host.id)));
      state.hosts = null;
      toast(answer.revoked ? `Disconnected from ${host.host}.`
        : `Disconnected. ${host.host} could not be told, so its permission may last until it expires.`);
      showHosts();
    } catch (error) {
      if (error.status !== 401) toast(hostProblemWords(error));
    }
  }

  async function sendTo(host, id, name) {
    try {
      const answer = await busy(`Sending to ${host.host}…`, () =>
        api("POST", `/ob/connections/${encodeURIComponent(host.id)}/push`, { json: { credentialId: id } }));
      toast(answer.outcome === "replaced" ? `${host.host} had this badge: it now has this copy.` : `${name || "The badge"} was sent to ${host.host}.`);
    } catch (error) {
      if (error.status !== 401) toast(hostProblemWords(error));
    }
  }

  async function pullFrom(host) {
    const box = $("#pull-result");
    let answer;
    try {
      answer = await busy(`Getting your badges from ${host.host}…`, () =>
        api("POST", `/ob/connections/${encodeURIComponent(host.id)}/pull`));
    } catch (error) {
      if (error.status !== 401) toast(hostProblemWords(error));
      return;
    }
    const got = answer.imported.length;
    const lines = [el("p", {}, el("strong", {}, got ? `${got} new badge${got === 1 ? "" : "s"} from ${host.host}.` : `No new badge from ${host.host}.`),
      answer.duplicates ? ` ${answer.duplicates} ${answer.duplicates === 1 ? "was" : "were"} already in your wallet.` : "")];
    if (answer.refused.length) {
      lines.push(el("p", {}, `${answer.refused.length} did not pass their checks and ${answer.refused.length === 1 ? "was" : "were"} not added:`),
        el("ul", {}, answer.refused.map((item) => el("li", {}, el("strong", {}, item.name || "A badge"), ": ", item.reason))));
    }
    box.replaceChildren(...lines);
    box.hidden = false;
    await showBadges();
    $("#pull-result").hidden = false;
  }

  // --- account, import and backup ------------------------------------------------------------------------

  function showMore() {
    show("more");
    $("#account-name").textContent = state.session.username;
    $("#account-did").textContent = state.session.did;
    $("#account-avatar").textContent = initials(state.session.username);
  }

  function importType(file) {
    const name = (file.name || "").toLowerCase();
    if (name.endsWith(".png")) return "image/png";
    if (name.endsWith(".svg")) return "image/svg+xml";
    if (name.endsWith(".json") || name.endsWith(".jsonld")) return "application/json";
    if (name.endsWith(".jwt")) return "application/jwt";
    return file.type || "application/octet-stream";
  }

  async function importBadge(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const file = form.file.files[0];
    const pasted = form.text.value.trim();
    let body;
    let type;
    if (file) {
      if (file.size > MAX_UPLOAD) { formError(form, "That file is larger than 2 MiB."); return; }
      body = file;
      type = importType(file);
    } else if (pasted) {
      body = pasted;
      type = pasted.startsWith("{") ? "application/json" : /^[\w-]+\.[\w-]+\.[\w-]*$/.test(pasted) ? "application/jwt" : "text/plain";
    } else {
      formError(form, "Choose a file or paste a badge.");
      return;
    }
    formError(form, "");
    try {
      const answer = await busy("Importing and checking the badge…", () =>
        api("POST", "/import", { body, headers: { "Content-Type": type } }));
      form.reset();
      const summary = answer.credential || {};
      const v = verdictOf(answer.report);
      state.done = {
        mark: v.kind === "ok" ? "check" : "alert", markClass: v.kind === "ok" ? "" : "neutral",
        title: "Badge imported",
        text: `${summary.name || "The badge"} is now in your wallet.`,
        card: summary, report: answer.report,
        primary: summary.id ? ["View badge", "#/badge/" + encodeURIComponent(summary.id)] : ["See my badges", "#/"],
        secondary: ["See all my badges", "#/"],
      };
      go("#/done");
    } catch (error) {
      if (error.status === 401) return;
      if (error.kind === "credential-not-verified" && error.body.report) {
        formError(form, "The badge did not pass its checks, so it was not added. " + verdictOf(error.body.report).text);
      } else formError(form, error.message);
    }
  }

  async function backup(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const passphrase = form.backup_passphrase.value;
    if (passphrase.length < 8) { formError(form, "The backup passphrase needs at least 8 characters."); return; }
    if (passphrase !== form.confirm.value) { formError(form, "The two passphrases are not the same."); return; }
    formError(form, "");
    try {
      const response = await busy("Encrypting your backup…", () =>
        api("POST", "/backup", { json: { backupPassphrase: passphrase }, raw: true }));
      const blob = await response.blob();
      if (state.backupUrl) URL.revokeObjectURL(state.backupUrl);
      state.backupUrl = URL.createObjectURL(blob);
      const day = new Date().toISOString().slice(0, 10);
      const safeName = state.session.username.replace(/[^\w.-]+/g, "_").slice(0, 40) || "wallet";
      const anchor = $("#backup-link");
      anchor.href = state.backupUrl;
      anchor.download = `badge-wallet-${safeName}-${day}.backup`;
      anchor.textContent = "Save the backup file again";
      anchor.hidden = false;
      anchor.click();
      form.backup_passphrase.value = "";
      form.confirm.value = "";
      toast("Backup downloaded. Keep its passphrase safe.");
    } catch (error) {
      if (error.status !== 401) formError(form, error.message);
    }
  }

  // --- start --------------------------------------------------------------------------------------------

  function wire() {
    setupWelcome();
    $("#lock").addEventListener("click", lock);
    $("#more-lock").addEventListener("click", lock);
    $("#back").addEventListener("click", () => {
      if ($("#back").dataset.target === "#/scan" && state.pending) state.pending = null;
      go($("#back").dataset.target || "#/");
    });
    $("#detail-delete").addEventListener("click", deleteBadge);
    $("#detail-qr-button").addEventListener("click", showQr);
    $("#publish-form").addEventListener("submit", publishBadge);
    $("#publish-remove").addEventListener("click", unpublishBadge);
    $("#publish-copy").addEventListener("click", copyLink);
    $("#detail-qr-print").addEventListener("click", () => {
      document.body.classList.add("printing-qr");
      window.print();
      document.body.classList.remove("printing-qr");
    });
    $("#cam-start").addEventListener("click", startCamera);
    $("#cam-stop").addEventListener("click", () => { stopCamera(); scanStatus("Camera off."); });
    $("#paste-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = event.currentTarget.uri.value.trim();
      if (!value) { scanProblem("Paste the link first."); return; }
      stopCamera();
      openUri(value);
      event.currentTarget.reset();
    });
    $("#scan-file").addEventListener("change", (event) => {
      const file = event.currentTarget.files[0];
      event.currentTarget.value = "";
      if (file) scanPicture(file);
    });
    $("#offer-form").addEventListener("submit", acceptOffer);
    $("#offer-decline").addEventListener("click", () => {
      state.pending = null;
      toast("You declined the badge.");
      go("#/");
    });
    $("#offer-pin-input").addEventListener("input", (event) => {
      event.currentTarget.removeAttribute("aria-invalid");
    });
    $("#request-form").addEventListener("submit", respondToRequest);
    $("#request-decline").addEventListener("click", declineRequest);
    $("#import-form").addEventListener("submit", importBadge);
    $("#backup-form").addEventListener("submit", backup);
    $("#host-form").addEventListener("submit", connectHost);
    window.addEventListener("hashchange", route);
    window.addEventListener("scroll", () => {
      $("#topbar").classList.toggle("scrolled", window.scrollY > 4);
    }, { passive: true });
    document.addEventListener("visibilitychange", () => {
      if (document.hidden && state.camera) { stopCamera(); scanStatus("Camera paused."); }
    });
  }

  async function start() {
    wire();
    const params = new URLSearchParams(location.search);
    if (params.get("uri")) {
      state.deepLink = params.get("uri");
      history.replaceState(null, "", location.pathname + "#/");
    }
    try {
      setSession(await api("GET", "/session", { session: false }));
    } catch {
      state.session = null;
    }
    route();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

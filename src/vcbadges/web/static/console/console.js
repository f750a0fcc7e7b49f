/* Issuer console: achievements, offers (QR code and PIN), bulk awards from a CSV file and
 * status changes, over the issuer API with the tenant's API key. The key is kept in
 * sessionStorage only: it is gone when the tab is closed, and it is sent only as an
 * Authorization header to this origin. Badges are listed by whom they were awarded to (name,
 * else e-mail address), never by a bare key; a revocation asks why, for the audit trail. */
"use strict";

(() => {
  const ISSUER = location.pathname.replace(/\/console(\/[^/]*)?$/, "") || "/issuer";
  const ROOT = ISSUER.replace(/\/issuer$/, "");
  const KEY = "vcbadges.console.apiKey";
  const OFFER_POLL_MS = 2000;

  const state = {
    achievements: [],
    selected: null,
    offer: null,        // {offerId, offerUri, qrSvg, txCode, expiresAt, opened}
    offerTimer: 0,
    pollTimer: 0,
    rows: new Map(),    // credential id -> row data
    bulk: null,         // the bulk job last started or followed
    bulkTimer: 0,
    revoking: null,     // {summary, button}: the badge the revoke dialog asks about
  };

  const $ = (s, root = document) => root.querySelector(s);
  const $$ = (s, root = document) => Array.from(root.querySelectorAll(s));

  const { el, duration, hueOf, medal, issuerWords } = window.vcbadgesUI;

  const str = (value) => (typeof value === "string" ? value : "");

  function imageUrl(image) {
    const value = typeof image === "string" ? image : image && image.id;
    if (typeof value !== "string") return null;
    if (/^data:image\/(png|jpeg|gif|webp|svg\+xml)[;,]/i.test(value)) return value;
    try {
      const url = new URL(value);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch { return null; }
  }

  function badgeArt(image, name) {
    const url = imageUrl(image);
    if (!url) return medal(name);
    const img = el("img", { src: url, alt: "" });
    img.addEventListener("error", () => img.replaceWith(medal(name)), { once: true });
    return img;
  }

  function flash(message, bad = false) {
    const node = $("#flash");
    node.textContent = message;
    node.className = "notice" + (bad ? " bad" : "");
    node.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { node.hidden = true; }, 6000);
  }

  function formError(form, message) {
    const node = $(".form-error", form);
    node.textContent = message || "";
    node.hidden = !message;
  }

  // --- API ----------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `The request failed (${status}).`);
      this.status = status;
      this.body = body || {};
    }
  }

  /** A JSON body, or raw = {body, type} (a CSV upload); the answer's JSON. */
  async function api(method, path, json, raw) {
    const response = await send(method, path, json, raw, "application/json");
    let body = null;
    try { body = await response.json(); } catch { /* empty */ }
    if (!response.ok) {
      if (response.status === 401) {
        disconnect();
        flash("The API key was not accepted. Enter it again.", true);
      }
      throw new ApiError(response.status, body);
    }
    return body;
  }

  async function send(method, path, json, raw, accept) {
    const headers = { Accept: accept, Authorization: "Bearer " + sessionStorage.getItem(KEY) };
    let body;
    if (raw !== undefined) {
      headers["Content-Type"] = raw.type;
      body = raw.body;
    } else if (json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(json);
    }
    try {
      return await fetch(ISSUER + path, { method, headers, body, credentials: "omit", cache: "no-store" });
    } catch {
      throw new ApiError(0, { title: "The service cannot be reached." });
    }
  }

  // --- connect ---------------------------------------------------------------------------------

  function connected() {
    $("#connect").hidden = true;
    $("#workspace").hidden = false;
    $("#who").hidden = false;
    loadTenant();
    loadAchievements();
    loadIssued();
  }

  /** Who the key belongs to: the issuer's display name, as its badges name it, and what
   * employers make of that name: a claim, unless a registry they trust lists the DID. */
  async function loadTenant() {
    const node = $("#who-name");
    const claim = $("#name-claim");
    claim.hidden = true;
    try {
      const tenant = await api("GET", "/tenant");
      const name = (tenant && (tenant.displayName || tenant.name)) || "";
      const did = tenant && tenant.did ? tenant.did : "";
      if (name) node.replaceChildren("Awarding as ", el("strong", {}, name));
      node.title = did;
      if (name) {
        claim.replaceChildren(`Your badges call you “${name}”. Employers see it as your own claim — `,
          el("q", {}, issuerWords({ listed: false, claimed: name, unknown: true })),
          " — unless a registry they trust lists your DID", did ? " " : "", did ? el("code", {}, did) : "", ".");
        claim.hidden = false;
      }
    } catch {
      node.textContent = "Connected with an API key";
    }
  }

  function disconnect() {
    sessionStorage.removeItem(KEY);
    closeRevoke();
    stopOffer();
    clearTimeout(state.bulkTimer);
    state.bulk = null;
    $("#bulk-job").hidden = true;
    state.achievements = [];
    state.selected = null;
    $("#workspace").hidden = true;
    $("#who").hidden = true;
    $("#connect").hidden = false;
    $("#offer").hidden = true;
  }

  async function connect(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const key = form.key.value.trim();
    if (!key) { formError(form, "Paste your API key."); return; }
    sessionStorage.setItem(KEY, key);
    try {
      await api("GET", "/achievements?limit=1");
    } catch (error) {
      sessionStorage.removeItem(KEY);
      formError(form, error.status === 401 ? "That API key was not accepted." : error.message);
      $("#connect").hidden = false;
      return;
    }
    formError(form, "");
    form.reset();
    connected();
  }

  // --- achievements -------------------------------------------------------------------------------

  async function loadAchievements(selectSlug) {
    try {
      const data = await api("GET", "/achievements?limit=1000");
      state.achievements = (data.achievements || []).slice().reverse();
    } catch (error) {
      if (error.status !== 401) flash(error.message, true);
      return;
    }
    const slug = selectSlug || (state.selected && state.selected.slug);
    state.selected = state.achievements.find((a) => a.slug === slug) || state.achievements[0] || null;
    renderAchievements();
  }

  function renderAchievements() {
    const list = $("#ach-list");
    list.replaceChildren(...state.achievements.map((t) => {
      const a = t.achievement || {};
      const name = a.name || t.slug;
      const on = state.selected && state.selected.slug === t.slug;
      const button = el("button", {
        type: "button", class: "ach", role: "radio", "aria-checked": String(Boolean(on)),
        tabindex: on ? "0" : "-1", "data-slug": t.slug,
      },
      el("span", { class: "ach-art" }, badgeArt(a.image, name)),
      el("span", {},
        el("span", { class: "ach-name" }, name), el("br"),
        a.description ? el("span", { class: "ach-desc" }, a.description) : null,
        el("span", { class: "ach-slug" }, t.slug)));
      button.style.setProperty("--hue", String(hueOf(name)));
      button.addEventListener("click", () => select(t.slug));
      return button;
    }));
    if (!state.selected && list.firstElementChild) list.firstElementChild.tabIndex = 0;
    $("#ach-empty").hidden = state.achievements.length > 0;
    const chosen = $("#chosen");
    if (state.selected) {
      chosen.replaceChildren("Award ", el("strong", {}, (state.selected.achievement || {}).name || state.selected.slug));
    } else chosen.textContent = "Choose an achievement first.";
    $("#make-offer").disabled = !state.selected;
    const bulkChosen = $("#bulk-chosen");
    if (state.selected) {
      bulkChosen.replaceChildren("Award ", el("strong", {}, (state.selected.achievement || {}).name || state.selected.slug),
        " to every row of a file.");
    } else bulkChosen.textContent = "Choose an achievement first.";
    $("#bulk-start").disabled = !state.selected || Boolean(state.bulk && state.bulk.state === "running");
  }

  function select(slug) {
    state.selected = state.achievements.find((a) => a.slug === slug) || null;
    renderAchievements();
    const button = $(`.ach[data-slug="${CSS.escape(slug)}"]`);
    if (button) button.focus();
  }

  function slugify(name) {
    return name.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 100).replace(/-+$/, "");
  }

  /** A small PNG (or the SVG itself, when small) as a data URL, to keep inside the badge. */
  async function imageDataUrl(file) {
    if (file.type === "image/svg+xml" && file.size <= 48 * 1024) {
      return new Promise((resolve, reject) => {
        const reader = new FileReader();
        reader.onload = () => resolve(String(reader.result));
        reader.onerror = () => reject(new Error("The image could not be read."));
        reader.readAsDataURL(file);
      });
    }
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 256 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    let url = canvas.toDataURL("image/png");
    if (url.length > 120 * 1024) url = canvas.toDataURL("image/jpeg", 0.85);
    return url;
  }

  async function saveAchievement(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const name = form.name.value.trim();
    const slug = form.slug.value.trim();
    const description = form.description.value.trim();
    const criteria = form.criteria.value.trim();
    if (!name || !description || !criteria) { formError(form, "Give a name, a description and the criteria."); return; }
    if (!/^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/.test(slug)) { formError(form, "The short name is lowercase letters, digits and inner hyphens."); return; }
    const achievement = { type: ["Achievement"], name, description, criteria: { narrative: criteria } };
    if (form.type.value) achievement.achievementType = form.type.value;
    try {
      const file = form.image_file.files[0];
      const link = form.image_url.value.trim();
      if (file) achievement.image = { id: await imageDataUrl(file), type: "Image" };
      else if (link) achievement.image = { id: link, type: "Image" };
    } catch {
      formError(form, "That image could not be read.");
      return;
    }
    formError(form, "");
    try {
      await api("POST", "/achievements", { slug, achievement });
    } catch (error) {
      if (error.status === 409) formError(form, "You already have an achievement with that short name.");
      else if (error.status !== 401) formError(form, error.message);
      return;
    }
    form.reset();
    toggleNew(false);
    flash(`“${name}” is ready to award.`);
    await loadAchievements(slug);
  }

  function toggleNew(open) {
    const form = $("#ach-form");
    form.hidden = !open;
    $("#new-ach-toggle").setAttribute("aria-expanded", String(open));
    if (open) { formError(form, ""); $("#ach-name").focus(); } else $("#new-ach-toggle").focus();
  }

  // --- offers -------------------------------------------------------------------------------------

  function stopOffer() {
    clearInterval(state.offerTimer);
    clearTimeout(state.pollTimer);
    state.offer = null;
  }

  async function makeOffer(event) {
    event.preventDefault();
    const form = event.currentTarget;
    if (!state.selected) { formError(form, "Choose an achievement first."); return; }
    const body = { achievement: state.selected.slug, pin: form.pin.checked };
    const recipient = form.recipient_name.value.trim();
    if (recipient) body.recipientName = recipient;
    const evidence = {};
    const evidenceName = form.evidence_name.value.trim();
    const narrative = form.evidence_narrative.value.trim();
    const evidenceUrl = form.evidence_url.value.trim();
    if (evidenceName) evidence.name = evidenceName;
    if (narrative) evidence.narrative = narrative;
    if (evidenceUrl) {
      if (!/^https:\/\/[^\s]+$/i.test(evidenceUrl)) {
        formError(form, "The evidence link must be an https:// address.");
        form.evidence_url.focus();
        return;
      }
      evidence.id = evidenceUrl;
    }
    if (Object.keys(evidence).length) body.evidence = [evidence];
    formError(form, "");
    let offer;
    try {
      offer = await api("POST", "/offers", body);
    } catch (error) {
      if (error.status !== 401) formError(form, error.message);
      return;
    }
    stopOffer();
    state.offer = { ...offer, recipient, evidence: evidence.name || (body.evidence ? "evidence" : "") };
    showOffer();
  }

  function showOffer() {
    const offer = state.offer;
    const name = (state.selected && (state.selected.achievement || {}).name) || "the badge";
    $("#offer").hidden = false;
    $("#offer-qr").src = offer.qrSvg;
    $(".qr-frame").hidden = false;
    $("#offer-actions").hidden = false;
    $(".link-text").hidden = false;
    $("#offer-title").textContent = "Scan with the wallet";
    $("#offer-for").textContent = `${name}${offer.recipient ? " for " + offer.recipient : ""}${offer.evidence ? ", with " + offer.evidence : ""}`;
    $("#pin-box").hidden = !offer.txCode;
    $("#offer-pin").textContent = offer.txCode || "";
    $("#offer-uri").textContent = offer.offerUri;
    $("#open-wallet").href = `${ROOT}/wallet/#open=${encodeURIComponent(offer.offerUri)}`;
    $("#offer-picked").hidden = true;
    $("#other-wallets").hidden = true;
    $("#other-wallets-pin").hidden = !offer.txCode;
    if (!offer.txCode) linkOtherWallets(offer);
    tickExpiry();
    state.offerTimer = setInterval(tickExpiry, 1000);
    state.pollTimer = setTimeout(pollOffer, OFFER_POLL_MS);
    $("#offer").scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  /** The same badge for the Learner Credential Wallet and VC-API wallets: an exchange for
   * the offer (POST /issuer/exchanges), delivered once whichever wallet comes first. */
  async function linkOtherWallets(offer) {
    let made;
    try {
      made = await api("POST", "/exchanges", { offerId: offer.offerId });
    } catch {
      return; // The offer's own QR code still works; only the other wallets are left out.
    }
    if (state.offer !== offer || offer.opened) return;
    $("#lcw-qr").src = made.lcwQrSvg;
    $("#lcw-link").href = made.lcwDeepLink;
    $("#interaction-url").textContent = made.interactionUrl;
    $("#other-wallets").hidden = false;
  }

  function tickExpiry() {
    const offer = state.offer;
    if (!offer) return;
    const node = $("#offer-expires");
    const left = Math.round((new Date(offer.expiresAt).getTime() - Date.now()) / 1000);
    if (Number.isNaN(left)) { node.textContent = ""; return; }
    // Only said: the service says when the codes are spent (pollOffer); this clock may be off.
    if (left <= 0) { sayExpired(); return; }
    node.classList.remove("over");
    node.textContent = "Valid for " + duration(left);
  }

  /** Take a code that can no longer be used off the screen: the QR code and its link once a
   * wallet has fetched the offer (an offer is served once), the PIN too once the badge is
   * delivered or the offer expired, so that nobody copies them from the screen for nothing. */
  function retireCode({ pin }) {
    $(".qr-frame").hidden = true;
    $("#offer-qr").removeAttribute("src");
    $("#offer-actions").hidden = true;
    $(".link-text").hidden = true;
    $("#other-wallets").hidden = true;
    $("#lcw-qr").removeAttribute("src");
    if (pin) {
      $("#pin-box").hidden = true;
      $("#offer-pin").textContent = "";
    }
  }

  /** Follow the offer as the service tells it (GET /issuer/offers/{id}), every 2 s until it
   * is delivered or expired, or the panel shows another offer or none. */
  async function pollOffer() {
    const offer = state.offer;
    if (!offer) return;
    let progress;
    try {
      progress = await api("GET", "/offers/" + encodeURIComponent(offer.offerId));
    } catch (error) {
      // Not found: the service no longer knows the offer, so its codes are spent too.
      if (error.status === 404) progress = { state: "expired" };
    }
    if (state.offer !== offer) return;
    const seen = progress ? progress.state : "";
    if (seen === "delivered") showDelivered(offer, progress.credentialId);
    else if (seen === "expired") {
      sayExpired();
      retireCode({ pin: true });
    }
    else {
      if (seen === "opened" && !offer.opened) {
        offer.opened = true;
        retireCode({ pin: false });
        $("#offer-title").textContent = "Opened in the learner's wallet";
      }
      state.pollTimer = setTimeout(pollOffer, OFFER_POLL_MS);
    }
  }

  function showDelivered(offer, credentialId) {
    clearInterval(state.offerTimer);
    retireCode({ pin: true });
    $("#offer-title").textContent = "Delivered";
    $("#offer-picked-text").textContent = offer.recipient
      ? `Delivered to the wallet of ${offer.recipient}. The QR code and PIN cannot be used again.`
      : "Delivered to the learner's wallet. The QR code and PIN cannot be used again.";
    $("#offer-picked").hidden = false;
    $("#offer-expires").textContent = "";
    loadIssued(new Set(credentialId ? [credentialId] : []));
  }

  function sayExpired() {
    clearInterval(state.offerTimer);
    const node = $("#offer-expires");
    node.textContent = "This offer has expired. Make a new one.";
    node.classList.add("over");
  }

  async function copyOffer() {
    if (!state.offer) return;
    try {
      await navigator.clipboard.writeText(state.offer.offerUri);
      flash("Offer link copied.");
    } catch {
      $(".link-text").open = true;
      flash("Copy the link from “Offer link”.");
    }
  }

  // --- issued credentials ----------------------------------------------------------------------------

  function payloadOf(jwt) {
    try {
      const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      const bin = atob(part + "===".slice((part.length + 3) % 4));
      const json = JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
      return json.vc || json;
    } catch { return {}; }
  }

  function describe(detail) {
    let doc = detail.verifiableCredential;
    if (typeof doc === "string") doc = payloadOf(doc);
    doc = doc || {};
    const subject = Array.isArray(doc.credentialSubject) ? doc.credentialSubject[0] : doc.credentialSubject || {};
    const achievement = subject.achievement || {};
    const status = detail.credentialStatus || {};
    let state_ = "active";
    if (status.revocation) state_ = "revoked";
    else if (status.suspension) state_ = "suspended";
    return { name: achievement.name || doc.name || "Badge", image: achievement.image, status: state_, purposes: Object.keys(status) };
  }

  const LABEL = { active: "Active", revoked: "Revoked", suspended: "Suspended", unknown: "…" };

  function shortId(value) {
    const v = String(value || "");
    return v.length > 34 ? v.slice(0, 20) + "…" + v.slice(-10) : v;
  }

  /** Whom a badge was awarded to, in words: the recipient's name, else their e-mail address,
   * else the key the badge names, said as what it is (``id`` is then the key itself). */
  function recipientOf(summary) {
    const recipient = summary.recipient && typeof summary.recipient === "object" ? summary.recipient : {};
    const name = str(recipient.name);
    const email = str(recipient.email);
    const id = str(recipient.id) || str(summary.subject);
    if (name) return { words: name, email };
    if (email) return { words: email };
    if (id.startsWith("did:key:")) return { words: "a wallet key", id };
    if (id) return { words: id.startsWith("did:") ? "a digital ID" : "an identifier", id };
    return { words: "someone not recorded" };
  }

  function recipientCell(recipient) {
    if (recipient.id) {
      return [el("span", {}, recipient.words.charAt(0).toUpperCase() + recipient.words.slice(1)),
        el("span", { class: "sub recipient-key", title: recipient.id }, shortId(recipient.id))];
    }
    return [el("strong", {}, recipient.words), recipient.email ? el("span", { class: "sub" }, recipient.email) : null];
  }

  function rowFor(summary, info, fresh) {
    const recipient = recipientOf(summary);
    const which = `${info.name} awarded to ${recipient.words}${recipient.id ? " " + shortId(recipient.id) : ""}`;
    const actions = el("div", { class: "actions" });
    const tr = el("tr", { class: fresh ? "fresh" : null, "data-id": summary.id },
      el("td", { "data-label": "Badge" }, el("span", {}, el("strong", {}, info.name), el("span", { class: "sub", title: summary.id }, shortId(summary.id)))),
      el("td", { "data-label": "Awarded to" }, el("span", {}, recipientCell(recipient))),
      el("td", { "data-label": "Issued" }, summary.issuedAt ? new Date(summary.issuedAt).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : ""),
      el("td", { "data-label": "Status" }, el("span", {}, el("span", { class: "pill " + info.status }, LABEL[info.status] || info.status))),
      el("td", { class: "cell-actions" }, actions));
    if (info.status !== "revoked" && info.status !== "unknown") {
      if (info.purposes.includes("suspension")) {
        const resume = info.status === "suspended";
        actions.append(el("button", {
          type: "button", class: "btn ghost small", "aria-label": `${resume ? "Resume" : "Suspend"} ${which}`,
          onclick: () => quickStatus(summary, resume ? "unsuspended" : "suspended"),
        }, resume ? "Resume" : "Suspend"));
      }
      if (info.purposes.includes("revocation")) {
        const revoke = el("button", { type: "button", class: "btn danger small revoke", "aria-label": `Revoke ${which}` }, "Revoke");
        revoke.addEventListener("click", () => askRevoke(summary, info, revoke));
        actions.append(revoke);
      }
    }
    return tr;
  }

  async function detailOf(id) {
    try {
      return describe(await api("GET", "/credentials/" + encodeURIComponent(id)));
    } catch {
      return { name: "Badge", status: "unknown", purposes: [] };
    }
  }

  async function loadIssued(fresh = new Set()) {
    // Busy until the rows are replaced: a button pressed in the old rows meanwhile would
    // be lost with them (tests wait for this to clear before acting on a row).
    const rows = $("#issued-rows");
    rows.setAttribute("aria-busy", "true");
    try {
      await renderIssued(fresh);
    } finally {
      rows.removeAttribute("aria-busy");
    }
  }

  async function renderIssued(fresh) {
    let list;
    try {
      list = (await api("GET", "/credentials?limit=1000")).credentials || [];
    } catch (error) {
      if (error.status !== 401) flash(error.message, true);
      return;
    }
    const newest = list.slice().reverse().slice(0, 50);
    const infos = new Array(newest.length);
    let next = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (next < newest.length) {
        const i = next++;
        infos[i] = await detailOf(newest[i].id);
      }
    }));
    $("#issued-rows").replaceChildren(...newest.map((s, i) => rowFor(s, infos[i], fresh.has(s.id))));
    $("#issued-empty").hidden = newest.length > 0;
  }

  /** Change a badge's status (``reason`` goes to its audit trail), then redraw its row. */
  async function changeStatus(summary, status, reason) {
    await api("POST", "/credentials/status", {
      credentialId: summary.id,
      credentialStatus: [{ type: "BitstringStatusListEntry", status }],
      reason,
    });
    flash({ revoked: "The badge is revoked.", suspended: "The badge is suspended.", unsuspended: "The badge is active again." }[status]);
    const info = await detailOf(summary.id);
    const old = $(`tr[data-id="${CSS.escape(summary.id)}"]`);
    if (old) old.replaceWith(rowFor(summary, info, true));
  }

  /** Suspending and resuming undo each other: one press, no reason asked. */
  async function quickStatus(summary, status) {
    try {
      await changeStatus(summary, status, "Changed in the issuer console");
    } catch (error) {
      if (error.status !== 401) flash(error.message, true);
    }
  }

  function askRevoke(summary, info, button) {
    const form = $("#revoke-form");
    form.reset();
    formError(form, "");
    const recipient = recipientOf(summary);
    $("#revoke-what").textContent = `${info.name}, awarded to ${recipient.words}${recipient.id ? " (" + shortId(recipient.id) + ")" : ""}.`;
    state.revoking = { summary, button };
    $("#revoke-dialog").showModal();
    $("#revoke-reason").focus();
  }

  function closeRevoke() {
    const dialog = $("#revoke-dialog");
    if (dialog.open) dialog.close();
  }

  async function confirmRevoke(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const reason = form.reason.value.trim();
    if (!reason) {
      formError(form, "Say why the badge is revoked: the reason is kept with it.");
      form.reason.focus();
      return;
    }
    const { summary } = state.revoking || {};
    if (!summary) { closeRevoke(); return; }
    try {
      await changeStatus(summary, "revoked", reason);
    } catch (error) {
      if (error.status === 401) closeRevoke();
      else formError(form, error.message);
      return;
    }
    state.revoking = null;
    closeRevoke();
    $("#issued-title").focus();
  }

  // --- award many: a bulk job --------------------------------------------------------------------

  async function startBulk(event) {
    event.preventDefault();
    const form = event.currentTarget;
    formError(form, "");
    const file = $("#bulk-file").files[0];
    if (!state.selected) return formError(form, "Choose an achievement first.");
    if (!file) return formError(form, "Choose a CSV file.");
    const path = "/bulk/issue?achievement=" + encodeURIComponent(state.selected.slug);
    let job;
    try {
      job = await api("POST", path, undefined, { body: file, type: "text/csv" });
    } catch (error) {
      // The same file is being awarded already: follow that job.
      if (error.status === 409 && error.body.job) job = error.body.job;
      else {
        if (error.status !== 401) formError(form, error.message);
        return;
      }
    }
    followBulk(job);
  }

  function bulkText(job) {
    const c = job.counts;
    const issued = c.issued || 0, skipped = c["skipped-already-issued"] || 0, failed = c.failed || 0;
    const parts = [`${issued} awarded`];
    if (skipped) parts.push(`${skipped} had it already`);
    if (failed) parts.push(`${failed} failed`);
    const tally = parts.join(", ");
    switch (job.state) {
      case "running": return `Awarding: ${job.done} of ${job.total} rows done (${tally}).`;
      case "done": return `Done: ${tally}.`;
      case "cancelled": return `Stopped after ${job.done} of ${job.total} rows (${tally}). Send the same file again to finish.`;
      case "interrupted": return `Interrupted after ${job.done} of ${job.total} rows (${tally}). Send the same file again to finish.`;
      default: return `The job failed: ${job.error || "unknown error"}.`;
    }
  }

  function renderBulk(job) {
    state.bulk = job;
    $("#bulk-job").hidden = false;
    const progress = $("#bulk-progress");
    progress.max = Math.max(job.total, 1);
    progress.value = job.done;
    $("#bulk-status").textContent = bulkText(job);
    const running = job.state === "running";
    $("#bulk-cancel").hidden = !running;
    $("#bulk-results").hidden = running || job.done === 0;
    $("#bulk-start").disabled = running || !state.selected;
  }

  async function followBulk(job) {
    clearTimeout(state.bulkTimer);
    renderBulk(job);
    if (job.state !== "running") {
      loadIssued();
      return;
    }
    state.bulkTimer = setTimeout(async () => {
      try {
        followBulk(await api("GET", "/bulk/jobs/" + encodeURIComponent(job.id)));
      } catch (error) {
        if (error.status !== 401) flash(error.message, true);
      }
    }, 1000);
  }

  async function cancelBulk() {
    if (!state.bulk) return;
    try {
      followBulk(await api("DELETE", "/bulk/jobs/" + encodeURIComponent(state.bulk.id)));
    } catch (error) {
      if (error.status !== 401) flash(error.message, true);
    }
  }

  async function downloadBulkResults() {
    if (!state.bulk) return;
    const response = await send("GET", `/bulk/jobs/${encodeURIComponent(state.bulk.id)}/results.csv`,
      undefined, undefined, "text/csv");
    if (!response.ok) {
      flash("The results could not be read.", true);
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `results-${state.bulk.id}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // --- start -----------------------------------------------------------------------------------------

  function start() {
    $("#key-form").addEventListener("submit", connect);
    $("#forget").addEventListener("click", () => { disconnect(); flash("Disconnected: the key is forgotten."); });
    $("#new-ach-toggle").addEventListener("click", () => toggleNew($("#ach-form").hidden));
    $("#ach-cancel").addEventListener("click", () => toggleNew(false));
    $("#ach-form").addEventListener("submit", saveAchievement);
    const slug = $("#ach-slug");
    $("#ach-name").addEventListener("input", (e) => {
      if (!slug.dataset.touched) slug.value = slugify(e.currentTarget.value);
    });
    slug.addEventListener("input", () => { slug.dataset.touched = slug.value ? "1" : ""; });
    $("#ach-list").addEventListener("keydown", (e) => {
      const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
      if (!step || !state.achievements.length) return;
      e.preventDefault();
      const i = state.achievements.findIndex((a) => state.selected && a.slug === state.selected.slug);
      const next = state.achievements[(i + step + state.achievements.length) % state.achievements.length];
      select(next.slug);
    });
    $("#offer-form").addEventListener("submit", makeOffer);
    $("#copy-offer").addEventListener("click", copyOffer);
    $("#refresh-issued").addEventListener("click", () => loadIssued());
    $("#revoke-form").addEventListener("submit", confirmRevoke);
    $("#revoke-cancel").addEventListener("click", closeRevoke);
    // However the dialog closes (Cancel, Escape, a revocation), focus goes back to the row
    // it was opened from, or, when that row was redrawn, to the list's heading.
    $("#revoke-dialog").addEventListener("close", () => {
      const asked = state.revoking;
      state.revoking = null;
      if (asked && asked.button.isConnected) asked.button.focus();
    });
    $("#bulk-form").addEventListener("submit", startBulk);
    $("#bulk-cancel").addEventListener("click", cancelBulk);
    $("#bulk-results").addEventListener("click", downloadBulkResults);
    if (sessionStorage.getItem(KEY)) connected();
    else $("#api-key").focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

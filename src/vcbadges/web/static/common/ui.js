/* Shared by the issuer console and the employer's page: element and SVG builders, icons
 * from the page's sprite, the countdown text of a code, the medal drawn for a badge
 * without an image of its own (its colours derived from the badge's name), and how an
 * issuer is named: anyone can sign a badge that calls its issuer "Harvard University", so a
 * name is presented as confirmed only when a registry the verifier trusts lists the issuer. */
"use strict";

window.vcbadgesUI = (() => {
  const SVGNS = "http://www.w3.org/2000/svg";

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : String(c));
    }
    return node;
  }

  function svg(tag, attrs = {}, ...children) {
    const node = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    node.append(...children);
    return node;
  }

  function icon(name) {
    return svg("svg", { class: "icon", "aria-hidden": "true" }, svg("use", { href: "#i-" + name }));
  }

  function duration(seconds) {
    if (seconds >= 3600) return `${Math.floor(seconds / 3600)} h ${String(Math.floor(seconds / 60) % 60).padStart(2, "0")} min`;
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function hueOf(t) {
    let h = 0;
    for (const ch of String(t || "")) h = (h * 31 + ch.codePointAt(0)) % 360;
    return (h + 230) % 360;
  }

  function initials(t) {
    const words = String(t || "?").replace(/[^\p{L}\p{N} ]/gu, " ").trim().split(/\s+/).filter(Boolean);
    return words.slice(0, 2).map((w) => w[0].toUpperCase()).join("") || "?";
  }

  function medal(name) {
    const h = hueOf(name);
    const id = "m" + Math.random().toString(36).slice(2, 9);
    const label = svg("text", { x: 32, y: 33.5, "text-anchor": "middle", "font-size": 15, "font-weight": 700, fill: "#fff", "font-family": "system-ui, sans-serif" });
    label.textContent = initials(name);
    return svg("svg", { viewBox: "0 0 64 64", "aria-hidden": "true" },
      svg("defs", {}, svg("linearGradient", { id, x1: 0, y1: 0, x2: 1, y2: 1 },
        svg("stop", { offset: 0, "stop-color": `hsl(${h} 75% 60%)` }),
        svg("stop", { offset: 1, "stop-color": `hsl(${(h + 35) % 360} 70% 42%)` }))),
      svg("path", { d: "M21 38L15 61l10-4.5 6 6.5 3-23z", fill: `hsl(${h} 60% 40%)` }),
      svg("path", { d: "M43 38l6 23-10-4.5-6 6.5-3-23z", fill: `hsl(${(h + 35) % 360} 65% 36%)` }),
      svg("circle", { cx: 32, cy: 28, r: 23, fill: `url(#${id})` }),
      svg("circle", { cx: 32, cy: 28, r: 18, fill: "none", stroke: "#fff", "stroke-opacity": ".55", "stroke-width": 2 }),
      label);
  }

  function str(value) { return typeof value === "string" ? value : ""; }

  /** Who issued a credential, from its report's issuer_trust check: a registry's own name for
   * a listed issuer; otherwise only the name the credential gives (``claimed`` when the check
   * does not say it), which is the signer's claim. */
  function issuerOf(report, claimed) {
    const check = ((report && report.checks) || []).find((c) => c && c.id === "issuer_trust");
    const detail = (check && check.detail) || {};
    if (check && check.outcome === "passed" && str(detail.name)) {
      return { listed: true, name: detail.name, registry: str(detail.registry) || "a registry you trust" };
    }
    return {
      listed: false, claimed: str(detail.claimedName) || str(claimed),
      unknown: Boolean(check && check.outcome === "failed" && check.code === "issuer_unknown"),
    };
  }

  /** The issuer in plain words: "Name — listed in Registry", or "calls itself Name; not in
   * your trusted issuers" (without the second half when the trust check did not run). */
  function issuerWords(issuer) {
    if (issuer.listed) return `${issuer.name} — listed in ${issuer.registry}`;
    const said = issuer.claimed ? `calls itself ${issuer.claimed}` : "gives no name";
    return issuer.unknown ? `${said}; not in your trusted issuers` : said;
  }

  /** The issuer line of a badge: confirmed, or visibly a claim. */
  function issuerLine(issuer, attrs = {}) {
    const cls = (attrs.class ? attrs.class + " " : "") + (issuer.listed ? "issuer-listed" : "issuer-claim");
    if (issuer.listed) {
      return el("p", { ...attrs, class: cls }, icon("check"), "From ", el("strong", {}, issuer.name),
        ` — listed in ${issuer.registry}`);
    }
    return el("p", { ...attrs, class: cls }, icon("alert"), "Issuer " + issuerWords(issuer));
  }

  return { el, svg, icon, duration, hueOf, medal, issuerOf, issuerWords, issuerLine };
})();

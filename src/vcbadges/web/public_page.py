"""The HTML of a published badge's page: built on the server, with no script at all.

:func:`render_badge_page` turns a :class:`PageView` (made by
:mod:`vcbadges.web.public_badge` from a badge verified just now) into the page; every text
from the badge is escaped, links are https only and images https or ``data:image`` URLs
(:mod:`vcbadges.web.display` made them so). What a check means is said in the words of the
employer's page (``web/static/verifier/verifier.js``), so both pages tell a visitor the same
thing. The ``<head>`` carries Open Graph and Twitter card tags, so that a link pasted into a
chat or a social site shows the badge as a card.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from vcbadges.report import ADVISORY_CHECKS, Check, Outcome

__all__ = ["PageView", "IssuerView", "render_badge_page", "render_gone_page", "check_words",
           "PAGE_CSP"]

#: The page's policy: no script, styles from this origin, images from it, ``data:`` and https.
PAGE_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data: https:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")

_TITLES = {
    "document": "Readable", "schema": "Open Badges format", "proof": "Issuer's signature",
    "issuer": "Signed by its issuer", "issuer_trust": "Issuer recognised", "validity": "Dates",
    "status_revocation": "Not revoked", "status_suspension": "Not suspended",
    "endorsements": "Endorsements",
}
_PASSED = {
    "document": "The data is complete and understood.",
    "schema": "It follows the Open Badges 3.0 rules.",
    "proof": "Signed by the issuer; nothing has been changed since.",
    "issuer": "The key that signed it belongs to the issuer the badge names.",
    "validity": "Valid today.",
    "status_revocation": "The issuer has not revoked it.",
    "status_suspension": "The issuer has not suspended it.",
    "endorsements": "Its endorsements are genuine.",
}
_FAILED = {
    "document": "The data is damaged or uses undefined terms.",
    "schema": "It breaks the Open Badges rules.",
    "proof": "The signature does not match: it was changed, or not signed by the issuer.",
    "issuer": "It was not signed by the issuer it names.",
    "validity": "Its dates are not valid.",
    "status_revocation": "The issuer has revoked this badge.",
    "status_suspension": "The issuer has suspended this badge.",
    "endorsements": "An endorsement is not valid.",
}
_MARKS = {"passed": "check", "failed": "x", "error": "alert", "skipped": "minus",
          "caution": "alert"}
_SPRITE = """<svg class="sprite" aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">
<symbol id="i-check" viewBox="0 0 24 24"><path d="M5 12.5l4.5 4.5L19 7.5"/></symbol>
<symbol id="i-x" viewBox="0 0 24 24"><path d="M6.5 6.5l11 11M17.5 6.5l-11 11"/></symbol>
<symbol id="i-alert" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9"/>
<path d="M12 7.5v5.5M12 16.5v.01"/></symbol>
<symbol id="i-minus" viewBox="0 0 24 24"><circle cx="12" cy="12" r="9"/><path d="M8 12h8"/></symbol>
<symbol id="i-shield" viewBox="0 0 24 24"><path d="M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z"/>
<path d="M8.5 12l2.5 2.5 4.5-5"/></symbol>
</svg>"""


@dataclass(frozen=True)
class IssuerView:
    """Who issued the badge: a registry's name for a listed issuer, else only the name the
    badge gives (``claimed``), which is the signer's claim."""

    listed: bool
    name: str | None = None
    registry: str | None = None
    claimed: str | None = None
    unknown: bool = False

    @property
    def words(self) -> str:
        if self.listed:
            return f"{self.name} — listed in {self.registry}"
        said = f"calls itself {self.claimed}" if self.claimed else "gives no name"
        return f"{said}; not in your trusted issuers" if self.unknown else said

    @property
    def organization(self) -> str | None:
        """The issuer's name for other sites (LinkedIn): the registry's, else the claim."""
        return self.name if self.listed else self.claimed


@dataclass(frozen=True)
class PageView:
    """Everything the page shows, already chosen and cleaned."""

    page_url: str
    state: str  # ok, caution, bad, warn
    state_label: str
    verdict: str
    checks: Sequence[Check]
    checked_at: datetime
    name: str
    og_image: str
    description: str | None = None
    image: str | None = None
    subject_name: str | None = None
    issuer: IssuerView | None = None
    issuer_id: str | None = None
    achievement_id: str | None = None
    badge_id: str | None = None
    criteria: dict[str, str] | None = None
    evidence: Sequence[dict[str, str]] = ()
    issued: datetime | None = None
    expires: datetime | None = None
    credential_url: str | None = None
    credential_type: str | None = None
    baked_url: str | None = None
    linkedin_url: str | None = None


def check_words(check: Check) -> str:
    """What ``check`` means, in a sentence for anybody."""
    if check.id == "issuer_trust" and (check.outcome is Outcome.PASSED
                                       or check.code == "issuer_unknown"):
        detail = check.detail or {}
        if check.outcome is Outcome.PASSED:
            return f"Listed in {detail.get('registry')} as {detail.get('name')}."
        issuer = IssuerView(listed=False, claimed=detail.get("claimed_name"), unknown=True)
        return (f"The issuer {issuer.words}. That name is its own claim: anyone can sign a "
                "badge with any name.")
    if check.outcome is Outcome.SKIPPED:
        if check.id == "endorsements":
            return "No endorsements to check."
        if check.code == "blocked_by_earlier_failure":
            return "Not checked, because an earlier check failed."
        return "Does not apply."
    if check.outcome is Outcome.ERROR:
        if check.id.startswith("status_"):
            return "The issuer's status list could not be reached, so this is not known."
        return "This could not be checked."
    if check.id == "validity" and check.code == "expired":
        return "The badge has expired."
    if check.id == "validity" and check.code == "not_yet_valid":
        return "The badge is not valid yet."
    table = _PASSED if check.outcome is Outcome.PASSED else _FAILED
    return table.get(check.id, "Passed." if check.outcome is Outcome.PASSED else "Failed.")


def _mark(check: Check) -> str:
    if check.id in ADVISORY_CHECKS and check.outcome is not Outcome.PASSED:
        return "caution"
    return check.outcome.value


def _icon(name: str) -> str:
    return f'<svg class="icon" aria-hidden="true"><use href="#i-{name}"/></svg>'


def _date(value: datetime) -> str:
    return f"{value.day} {value:%B %Y}"


def _link(url: str, label: str) -> str:
    return (f'<a href="{escape(url)}" rel="noopener noreferrer nofollow">'
            f"{escape(label)}</a>")


def _meta(view: PageView) -> str:
    description = view.description or "An Open Badge, verified when this page is opened."
    if view.subject_name:
        description = f"Awarded to {view.subject_name}. {description}"
    if view.state in ("bad", "warn"):
        description = f"{view.state_label}. {description}"
    tags = [("property", "og:type", "website"), ("property", "og:title", view.name),
            ("property", "og:description", description[:300]),
            ("property", "og:url", view.page_url), ("property", "og:image", view.og_image),
            ("property", "og:image:alt", f"The image of the badge {view.name}"),
            ("property", "og:site_name", "vcbadges"),
            ("name", "twitter:card", "summary"), ("name", "twitter:title", view.name),
            ("name", "twitter:description", description[:200]),
            ("name", "twitter:image", view.og_image),
            ("name", "description", description[:300])]
    lines = [f'<meta {kind}="{name}" content="{escape(value)}">' for kind, name, value in tags]
    lines.append(f'<link rel="canonical" href="{escape(view.page_url)}">')
    if view.credential_url and view.credential_type:
        lines.append(f'<link rel="alternate" type="{view.credential_type}" '
                     f'href="{escape(view.credential_url)}">')
    return "\n".join(lines)


def _art(view: PageView) -> str:
    if view.image:
        return f'<img src="{escape(view.image)}" alt="" width="160" height="160">'
    return f'<img src="{escape(view.og_image)}" alt="" width="160" height="160">'


def _issuer_line(issuer: IssuerView | None) -> str:
    if issuer is None:
        return ""
    if issuer.listed:
        return (f'<p class="badge-issuer issuer-listed">{_icon("check")} From '
                f"<strong>{escape(issuer.name or '')}</strong> — listed in "
                f"{escape(issuer.registry or '')}</p>")
    return (f'<p class="badge-issuer issuer-claim">{_icon("alert")} '
            f"Issuer {escape(issuer.words)}</p>")


def _details(view: PageView) -> str:
    parts: list[str] = []
    if view.description:
        parts.append(f"<p>{escape(view.description)}</p>")
    if view.criteria:
        parts.append("<h2>Criteria</h2>")
        if view.criteria.get("narrative"):
            parts.append(f'<p class="narrative">{escape(view.criteria["narrative"])}</p>')
        if view.criteria.get("id"):
            parts.append(f"<p>{_link(view.criteria['id'], 'Read the criteria')}</p>")
    if view.evidence:
        items = []
        for item in view.evidence:
            inner = [f"<strong>{escape(item.get('name') or 'Evidence')}</strong>"]
            if item.get("description"):
                inner.append(f"<p>{escape(item['description'])}</p>")
            if item.get("narrative"):
                inner.append(f'<p class="muted">{escape(item["narrative"])}</p>')
            if item.get("id"):
                inner.append(_link(item["id"], "Open the evidence"))
            items.append("<li>" + "".join(inner) + "</li>")
        parts.append('<h2>Evidence</h2><ul class="evidence">' + "".join(items) + "</ul>")
    dates = []
    if view.issued is not None:
        dates.append(f"<dt>Issued</dt><dd>{_date(view.issued)}</dd>")
    if view.expires is not None:
        dates.append(f"<dt>Expires</dt><dd>{_date(view.expires)}</dd>")
    if dates:
        parts.append('<dl class="facts dates">' + "".join(dates) + "</dl>")
    return "\n".join(parts)


def _checks(view: PageView) -> str:
    items = []
    for check in view.checks:
        mark = _mark(check)
        title = _TITLES.get(check.id, check.id.replace("_", " "))
        items.append(
            f'<li><span class="mark {mark}">{_icon(_MARKS.get(mark, "alert"))}</span><div>'
            f'<p class="check-title">{escape(title)}<span class="visually-hidden">: '
            f"{check.outcome.value}</span></p>"
            f'<p class="check-text">{escape(check_words(check))}</p></div></li>')
    checked = view.checked_at.strftime("%Y-%m-%d %H:%M:%S UTC")
    return (f'<section class="card checks" aria-labelledby="checks-title">'
            f'<h2 id="checks-title">What was checked</h2>'
            f'<p class="muted">Checked with the issuer just now, when this page was opened '
            f'(<time datetime="{view.checked_at.isoformat()}">{checked}</time>).</p>'
            f'<ul class="check-list">{"".join(items)}</ul></section>')


def _identifiers(view: PageView) -> str:
    facts = [(k, v) for k, v in (("The issuer's digital ID", view.issuer_id),
                                 ("The achievement's ID", view.achievement_id),
                                 ("The badge's ID", view.badge_id)) if v]
    if not facts:
        return ""
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    return ('<details class="ids"><summary>Identifiers</summary>'
            f'<dl class="facts">{rows}</dl></details>')


def _actions(view: PageView) -> str:
    links = []
    if view.credential_url:
        links.append(f'<li><a class="button" href="{escape(view.credential_url)}" '
                     f'download>Download the credential</a></li>')
    if view.baked_url:
        links.append(f'<li><a class="button" href="{escape(view.baked_url)}" download>'
                     "Download the badge image (with the credential inside)</a></li>")
    if view.linkedin_url:
        links.append(f'<li><a class="button linkedin" href="{escape(view.linkedin_url)}" '
                     'rel="noopener noreferrer">Add to LinkedIn profile</a></li>')
    if not links:
        return ""
    return ('<section class="card share" aria-labelledby="share-title">'
            '<h2 id="share-title">Keep or share</h2>'
            f'<ul class="actions">{"".join(links)}</ul></section>')


def _document(title: str, head: str, body: str) -> str:
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{escape(title)}</title>
{head}
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/public-badge.css">
</head>
<body>
{_SPRITE}
<header class="masthead"><div class="masthead-inner">
<a class="brand" href="/"><span class="logo" aria-hidden="true">{_icon("shield")}</span> vcbadges
<span class="brand-sub">Public badge</span></a></div></header>
<main class="page" id="page">
{body}
</main>
</body>
</html>
"""


def render_badge_page(view: PageView) -> str:
    """The page of a published badge."""
    awarded = (f'<p class="awarded">Awarded to <strong>{escape(view.subject_name)}</strong></p>'
               if view.subject_name else "")
    body = f"""<article class="card badge state-{view.state}" aria-labelledby="badge-name">
<div class="badge-art">{_art(view)}</div>
<div class="badge-main">
<h1 class="badge-name" id="badge-name">{escape(view.name)}</h1>
{awarded}
{_issuer_line(view.issuer)}
<p class="state {view.state}">{_icon(_MARKS.get(_state_mark(view.state), "alert"))}
{escape(view.state_label)}</p>
<p class="verdict">{escape(view.verdict)}</p>
{_details(view)}
{_identifiers(view)}
</div>
</article>
{_actions(view)}
{_checks(view)}"""
    return _document(f"{view.name} · vcbadges", _meta(view), body)


def _state_mark(state: str) -> str:
    return {"ok": "passed", "caution": "caution", "bad": "failed", "warn": "error"}[state]


def render_gone_page() -> str:
    """The page at a slug where no badge is published (never was, or not any more)."""
    body = """<section class="card gone" aria-labelledby="gone-title">
<h1 id="gone-title">No badge here</h1>
<p>No badge is published at this address. Its owner may have stopped sharing it, or the link
is mistyped.</p>
</section>"""
    return _document("No badge here · vcbadges", '<meta name="robots" content="noindex">', body)

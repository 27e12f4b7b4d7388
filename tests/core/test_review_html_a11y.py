"""Review: accessibility and language of the rendered HTML, checked without a browser.

Each page is rendered with the Django test client and read with the standard library's HTML parser; ``audit``
lists what a screen-reader or keyboard user would meet: controls without a name, references to ids that do not
exist, duplicate ids, errors not tied to their field, headings that skip a level, images without alt text, empty
buttons and links, tables without headers, live regions inside live regions, groups of radio buttons or
checkboxes without a legend, links to ids the page lacks, a ``<html lang>`` that is not the page's language, and
blocks htmx replaces on every poll that hold a live region or a focusable element htmx cannot give focus back to.
The e2e suite runs axe-core on some pages in Chromium; this file renders every public page state in the four
languages and every staff page of tests/test_staff_urls.py (and each form on it sent back with errors).

Defects are strict xfails at the end of the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
LABELLABLE = {"input", "select", "textarea"}
UNNAMED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    parent: Node | None = None
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        parts = []
        for child in self.children:
            if isinstance(child, str):
                parts.append(child)
            elif child.tag == "img":
                parts.append(child.attrs.get("alt", ""))
            elif child.tag not in {"script", "style", "template"} and child.attrs.get("aria-hidden") != "true":
                parts.append(child.text())
        return " ".join(" ".join(parts).split())

    def iter(self) -> Iterator[Node]:
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def ancestors(self) -> Iterator[Node]:
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def short(self) -> str:
        attrs = " ".join(f'{k}="{v}"' for k, v in self.attrs.items() if k in {"id", "name", "type", "class", "href"})
        return f"<{self.tag} {attrs}>".replace(" >", ">")


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v if v is not None else "" for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Node(tag, {k: v if v is not None else "" for k, v in attrs}, self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Node | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Node:
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _hidden(node: Node) -> bool:
    return any(
        "hidden" in n.attrs or n.attrs.get("aria-hidden") == "true" or n.tag == "template"
        for n in (node, *node.ancestors())
    )


def accessible_name(node: Node, ids: dict[str, Node], root: Node) -> str:
    if node.attrs.get("aria-labelledby"):
        return " ".join(ids[i].text() for i in node.attrs["aria-labelledby"].split() if i in ids)
    if node.attrs.get("aria-label", "").strip():
        return node.attrs["aria-label"].strip()
    if node.tag in LABELLABLE:
        names = (
            [
                label.text()
                for label in root.iter()
                if label.tag == "label" and label.attrs.get("for") == node.attrs.get("id")
            ]
            if node.attrs.get("id")
            else []
        )
        names += [a.text() for a in node.ancestors() if a.tag == "label"]
        if node.tag == "input" and node.attrs.get("type") in {"submit", "button", "reset"}:
            names.append(node.attrs.get("value", ""))
        names.append(node.attrs.get("title", ""))
        return " ".join(n for n in names if n).strip()
    return (node.text() or node.attrs.get("title", "")).strip()


def audit(html: str, *, language: str = "en") -> list[str]:
    """What a screen-reader or keyboard user would meet on this page, one line each."""
    root = parse(html)
    problems: list[str] = []
    nodes = list(root.iter())
    ids: dict[str, Node] = {}
    for node in nodes:
        if "id" in node.attrs:
            if node.attrs["id"] in ids:
                problems.append(f"duplicate id {node.attrs['id']!r}: {node.short()}")
            ids.setdefault(node.attrs["id"], node)

    html_tag = next((n for n in nodes if n.tag == "html"), None)
    if html_tag is not None:
        if html_tag.attrs.get("lang") != language:
            problems.append(f"<html lang={html_tag.attrs.get('lang')!r}>, the page is in {language!r}")
        if html_tag.attrs.get("dir", "ltr") != "ltr":
            problems.append(f"<html dir={html_tag.attrs.get('dir')!r}>")

    for node in nodes:
        for attr in ("aria-labelledby", "aria-describedby", "aria-controls"):
            for ref in node.attrs.get(attr, "").split():
                if ref not in ids:
                    problems.append(f"{attr}={ref!r} names no element: {node.short()}")
        href = node.attrs.get("href", "")
        if node.tag == "a" and href.startswith("#") and len(href) > 1 and href[1:] not in ids:
            problems.append(f"link to #{href[1:]} on the page, which has no such id ({node.text()!r})")
        for attr in ("hx-target", "hx-select", "hx-indicator"):
            value = node.attrs.get(attr, "")
            if value.startswith("#") and value[1:] not in ids:
                problems.append(f"{attr}={value!r} names no element: {node.short()}")
        if node.tag == "label" and node.attrs.get("for") and node.attrs["for"] not in ids:
            problems.append(f"<label for={node.attrs['for']!r}> names no element ({node.text()!r})")

    headings = [n for n in nodes if re.fullmatch(r"h[1-6]", n.tag) and not _hidden(n)]
    h1s = [h for h in headings if h.tag == "h1"]
    if len(h1s) != 1:
        problems.append(f"{len(h1s)} <h1> elements: {[h.text() for h in h1s]}")
    previous = 0
    for heading in headings:
        level = int(heading.tag[1])
        if previous and level > previous + 1:
            problems.append(f"heading skips from h{previous} to h{level}: {heading.text()!r}")
        previous = level
        if not heading.text():
            problems.append(f"empty heading {heading.short()}")

    for node in nodes:
        if _hidden(node):
            continue
        tag, attrs = node.tag, node.attrs
        control = tag in LABELLABLE and not (tag == "input" and attrs.get("type") in UNNAMED_INPUT_TYPES - {"submit"})
        button = tag == "button" or (tag == "input" and attrs.get("type") == "submit")
        named = bool(accessible_name(node, ids, root)) if control or button else True
        if control and not named:
            problems.append(f"control without an accessible name: {node.short()}")
        if button and not named:
            problems.append(f"button without text: {node.short()}")
        if tag == "a" and "href" in attrs and not accessible_name(node, ids, root):
            problems.append(f"link without text: {node.short()}")
        if tag == "img" and "alt" not in attrs:
            problems.append(f"image without alt: {node.short()}")
        svg_named = attrs.get("aria-label") or attrs.get("aria-labelledby")
        svg_named = svg_named or any(isinstance(c, Node) and c.tag == "title" for c in node.children)
        if tag == "svg" and not svg_named:
            problems.append(f"inline svg with neither a name nor aria-hidden: {node.short()}")
        if tag == "table" and not any(n.tag == "th" for n in node.iter()):
            problems.append(f"table without <th>: {node.short()}")
        if attrs.get("aria-invalid") == "true":
            # A group's error is tied to its <fieldset> (Django's way): the control is described through it.
            refs = attrs.get("aria-describedby", "").split()
            for group in node.ancestors():
                if group.tag == "fieldset":
                    refs += group.attrs.get("aria-describedby", "").split()
            described = [ids[i] for i in refs if i in ids]
            if not any("error" in (d.attrs.get("class", "") + d.attrs.get("id", "")) for d in described):
                problems.append(f"aria-invalid control not described by its error: {node.short()}")
        if "field-errors" in attrs.get("class", "").split() and attrs.get("id"):
            referers = [
                n for n in nodes if attrs["id"] in n.attrs.get("aria-describedby", "").split() and not _hidden(n)
            ]
            if not referers:
                problems.append(f"error list {attrs['id']!r} is tied to no control: {node.text()!r}")
        live = attrs.get("role") in {"alert", "status", "log"} or attrs.get("aria-live") in {"polite", "assertive"}
        if live and any(
            a.attrs.get("role") in {"alert", "status", "log"} or a.attrs.get("aria-live") in {"polite", "assertive"}
            for a in node.ancestors()
        ):
            problems.append(f"live region inside a live region: {node.short()}")
    for block in nodes:
        # A block polled with the fingerprint of what it shows ("seen=") is answered 204 and left alone until
        # something changes (the status page, the live queue); any other polled block is replaced on every poll.
        poll = block.attrs.get("hx-get", "")
        if not poll or "every" not in block.attrs.get("hx-trigger", "") or "seen=" in poll:
            continue
        for inner in block.iter():
            if inner.attrs.get("role") in {"status", "alert"} or inner.attrs.get("aria-live"):
                problems.append(f"live region re-created by each poll of {block.short()}: {inner.short()}")
            focusable = (
                (inner.tag == "a" and "href" in inner.attrs)
                or inner.tag in {"button", "select", "textarea"}
                or (inner.tag == "input" and inner.attrs.get("type") != "hidden")
            )
            if focusable and not inner.attrs.get("id"):
                # htmx puts focus back after a swap only on an element with the same id.
                problems.append(f"focusable without an id inside the polled {block.short()}: {inner.short()}")
    groups: dict[str, list[Node]] = {}
    for node in nodes:
        if node.tag == "input" and node.attrs.get("type") in {"radio", "checkbox"} and not _hidden(node):
            groups.setdefault(node.attrs.get("name", ""), []).append(node)
    for name, members in groups.items():
        if len(members) < 2 and members[0].attrs.get("type") == "checkbox":
            continue
        holder = next(
            (
                a
                for a in members[0].ancestors()
                if (a.tag == "fieldset" and any(isinstance(c, Node) and c.tag == "legend" for c in a.children))
                or (
                    a.attrs.get("role") in {"radiogroup", "group"}
                    and (a.attrs.get("aria-label") or a.attrs.get("aria-labelledby"))
                )
            ),
            None,
        )
        if holder is None:
            problems.append(
                f"group of {members[0].attrs.get('type')} buttons {name!r} has no fieldset/legend or named group"
            )
    return problems


def page(client: Client, url: str, *, method: str = "get", data: dict[str, Any] | None = None) -> tuple[int, str]:
    response = getattr(client, method)(url, data or {})
    return response.status_code, response.content.decode()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    # A request under /es/ leaves Spanish active in this thread; later tests' reverse() would use it.
    yield
    translation.deactivate()


LANGUAGES = ["en", "es", "so", "hmn"]


def _prefix(language: str) -> str:
    return "" if language == "en" else f"/{language}"


def test_the_audit_finds_planted_problems() -> None:
    # A check that cannot fail proves nothing: each kind of problem is found on a page built to have it.
    planted = (
        '<html lang="en"><body><h1>A</h1><h3>B</h3><input id="x"><label for="y">Z</label><button></button>'
        '<a href="/"></a><a href="#nowhere">Jump</a><img src="a.png"><table><tr><td>1</td></tr></table>'
        '<div role="status"><p role="alert">x</p></div><select name="s"></select><input id="x" aria-describedby="q">'
        '<input type="radio" name="r" id="r1"><label for="r1">One</label>'
        '<input type="radio" name="r" id="r2"><label for="r2">Two</label>'
        '<div hx-get="/p/" hx-trigger="every 1s"><p role="status">1 of 2</p><a href="/p/">Refresh</a></div>'
        "</body></html>"
    )
    found = "\n".join(audit(planted, language="es"))
    for expected in (
        "duplicate id 'x'",
        "<html lang='en'>, the page is in 'es'",
        "<label for='y'> names no element",
        "aria-describedby='q' names no element",
        "link to #nowhere",
        "heading skips from h1 to h3",
        'control without an accessible name: <input id="x">',
        'control without an accessible name: <select name="s">',
        "button without text",
        'link without text: <a href="/">',
        "image without alt",
        "table without <th>",
        "live region inside a live region",
        "group of radio buttons 'r' has no fieldset/legend",
        "live region re-created by each poll",
        "focusable without an id inside the polled",
    ):
        assert expected in found, expected


# ---------------------------------------------------------------- the public pages, in every language


def test_every_public_page_state_is_accessible_in_every_language(
    cast: Any, submit: Any, text_outbox: list[Any]
) -> None:
    """/help/ with and without errors, the status page's states, /verify/, the standards, the person's space (code,
    wrong code, home, a refused message, left) and a check-in link (form, missing answers, done, unknown)."""
    from peerway.accounts.links import participant_link_create
    from peerway.intake.services import request_accept, request_route
    from peerway.recovery.services.checkins import checkin_link_create
    from tests.factories import OrganizationFactory, peer_profile
    from tests.recovery.plan_helpers import engagement_for
    from tests.recovery.test_checkins import form_data as checkin_answers
    from tests.recovery.test_checkins import peerway_instrument

    amina = peer_profile(OrganizationFactory(), name="Amina")
    for name in ("Bea", "Cal"):  # with Amina, three peers to choose from
        peer_profile(OrganizationFactory(), name=name)
    problems: list[str] = []

    def check(client: Client, url: str, language: str, method: str = "get", data: dict[str, Any] | None = None) -> str:
        status, body = page(client, url, method=method, data=data)
        assert status < 500, f"{method.upper()} {url}: {status}"
        problems.extend(f"{method.upper()} {url} [{status}]: {problem}" for problem in audit(body, language=language))
        return body

    for language in LANGUAGES:
        pre = _prefix(language)
        anyone = Client()
        check(anyone, f"{pre}/help/", language)
        check(anyone, f"{pre}/help/", language, "post", {})
        check(
            anyone,
            f"{pre}/help/",
            language,
            "post",
            {"contact_method": "email", "email": "not-an-address", "modalities": ["in_person"], "zip_code": "1"},
        )
        check(anyone, f"{pre}/help/deleted/", language)
        check(anyone, f"{pre}/verify/", language)
        check(anyone, f"{pre}/verify/?q=Nobody", language)
        check(anyone, f"{pre}/certification/standards/", language)

        request, token = submit()
        check(anyone, f"{pre}/r/{token}/", language)
        check(anyone, f"{pre}/r/{token}/delete/", language)
        request_route(request_id=request.pk)
        check(anyone, f"{pre}/r/{token}/", language)
        request_accept(request=request, peer=amina)
        check(anyone, f"{pre}/r/{token}/", language)
        _, choosing = submit(wants_to_choose=True)
        check(anyone, f"{pre}/r/{choosing}/", language)
        check(anyone, f"{pre}/r/no-such-link/", language)

        engagement = engagement_for(cast)
        space = participant_link_create(participant=engagement.participant, actor=cast.alice, send=False).token
        person = Client()
        check(person, f"{pre}/me/{space}/", language)
        check(person, f"{pre}/me/{space}/code/", language, "post")
        check(person, f"{pre}/me/{space}/verify/", language, "post", {"code": "12"})
        code = re.search(r"\b(\d{6})\b", text_outbox[-1].body)
        assert code is not None
        person.post(f"{pre}/me/{space}/verify/", {"code": code.group(1)})
        check(person, f"{pre}/me/{space}/", language)
        check(person, f"{pre}/me/{space}/messages/", language, "post", {"body": ""})
        check(person, f"{pre}/me/{space}/leave/", language, "post")
        check(anyone, f"{pre}/me/no-such-link/", language)

        _, link = checkin_link_create(participant=engagement.participant, instrument=peerway_instrument(), actor=None)
        missing_one = checkin_answers([3] * 10)
        del missing_one["q_risk-taking"]
        check(anyone, f"{pre}/c/{link}/", language)
        check(anyone, f"{pre}/c/{link}/", language, "post", missing_one)
        check(anyone, f"{pre}/c/{link}/", language, "post", checkin_answers([3] * 10))
        check(anyone, f"{pre}/c/no-such-link/", language)
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- every staff page, and every form on it sent blank

# Not HTML pages; and the job page, whose polling is the subject of its own tests below.
NOT_CRAWLED = {
    "career:supply_csv",
    "career:supply_chart",
    "recovery:engagement_plan_pdf",
    "recovery:checkin_fhir",
    "recovery:checkin_chart",
    "staff:job_detail",
}
SKIP_ACTIONS = ("/accounts/logout/", "/i18n/setlang/")
TYPED = "Typed by hand"


def _post_forms(html: str, url: str) -> list[tuple[str, dict[str, Any], list[str]]]:
    """Each POST form of the page: its action, what it sends with every text field filled with TYPED (other
    fields as the page shows them), and the names of those text fields."""
    found = []
    for form in parse(html).iter():
        if form.tag != "form" or form.attrs.get("method", "get").lower() != "post":
            continue
        action = form.attrs.get("action") or url
        if any(skip in action for skip in SKIP_ACTIONS):
            continue
        # A form whose buttons each name their own action (formaction) is sent by those buttons.
        actions = [n.attrs["formaction"] for n in form.iter() if n.attrs.get("formaction")]
        action = actions[0] if actions else action
        data: dict[str, Any] = {}
        typed = []
        for node in form.iter():
            name = node.attrs.get("name")
            if not name or "disabled" in node.attrs:
                continue
            kind = node.attrs.get("type", "text")
            if node.tag == "input" and kind == "hidden":
                data[name] = node.attrs.get("value", "")
            elif node.tag == "textarea" or (node.tag == "input" and kind in {"text", "search"}):
                data[name] = f"{TYPED} {name}"
                typed.append(name)
            elif node.tag == "input" and kind in {"checkbox", "radio"} and "checked" in node.attrs:
                data.setdefault(name, []).append(node.attrs.get("value", "on"))
            elif node.tag == "select":
                chosen = [
                    o.attrs.get("value", o.text()) for o in node.iter() if o.tag == "option" and "selected" in o.attrs
                ]
                if chosen:
                    data[name] = chosen
        found.append((action, data, typed))
    return found


def _staff_pages() -> list[str]:
    from tests.test_staff_urls import STAFF_URL_CASES

    return [name for name in sorted(STAFF_URL_CASES) if name not in NOT_CRAWLED]


def test_every_staff_page_is_accessible_to_every_role_allowed_there(cast: Any) -> None:
    """Each staff page of tests/test_staff_urls.py, as each user allowed there (what a page shows depends on
    the role)."""
    from tests.test_staff_urls import STAFF_URL_CASES

    problems: list[str] = []
    for name in _staff_pages():
        case = STAFF_URL_CASES[name](cast)
        if case.method != "get":
            continue
        for user in case.allowed:
            client = Client()
            client.force_login(user)
            status, body = page(client, case.url)
            assert status == 200, f"{name} as {user.username}: {status}"
            problems.extend(f"{name} as {user.username}: {p}" for p in audit(body))
    assert not problems, "\n".join(problems)


def test_every_staff_form_sent_back_with_errors_is_accessible_and_keeps_what_was_typed(cast: Any) -> None:
    """Each POST form on each staff page, sent with its text fields filled in and nothing else chosen: a page
    shown back must pass the audit too and still hold what was typed."""
    from tests.test_staff_urls import STAFF_URL_CASES

    problems: list[str] = []
    sent = 0
    for name in _staff_pages():
        case = STAFF_URL_CASES[name](cast)
        if case.method != "get":
            continue
        client = Client()
        client.force_login(case.allowed[0])
        for index in range(len(_post_forms(page(client, case.url)[1], case.url))):
            # The page again, from new records: a form sent may have changed what the next one finds.
            fresh = STAFF_URL_CASES[name](cast)
            forms = _post_forms(page(client, fresh.url)[1], fresh.url)
            if index >= len(forms):
                continue
            action, data, typed = forms[index]
            response = client.post(action, data)
            sent += 1
            where = f"{name}, form {index} to {action} [{response.status_code}]"
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
            if response.status_code in (301, 302, 303) or "text/html" not in response.get("Content-Type", ""):
                continue
            body = response.content.decode()
            problems.extend(f"{where}: {p}" for p in audit(body))
            if "field-errors" in body or "form-errors" in body:
                lost = [field for field in typed if f"{TYPED} {field}" not in body]
                if lost:
                    problems.append(f"{where}: what was typed is gone from {lost}")
    assert sent > 30, f"only {sent} forms were sent: is the crawl broken?"
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------- defects


def _job_page(cast: Any) -> Node:
    from django.urls import reverse

    from peerway.core.models import Job

    job = Job.objects.create(kind="access_log_export", requested_by=cast.sam, organization=cast.org)
    client = Client()
    client.force_login(cast.sam)
    status, body = page(client, reverse("staff:job_detail", args=[job.public_id]))
    assert status == 200
    # The poll itself answers the same block every time: there is no "nothing changed" answer.
    again = client.get(reverse("staff:job_detail", args=[job.public_id]), headers={"HX-Request": "true"})
    assert again.status_code == 200 and 'id="job-progress"' in again.content.decode()
    return parse(body)


def _polled_block(root: Node) -> Node:
    return next(n for n in root.iter() if n.attrs.get("id") == "job-progress" and "every" in n.attrs["hx-trigger"])


def test_the_job_pages_progress_is_announced_from_a_live_region_that_polling_does_not_replace(cast: Any) -> None:
    root = _job_page(cast)
    block = _polled_block(root)
    live = [n for n in root.iter() if n.attrs.get("role") == "status" or n.attrs.get("aria-live")]
    assert live, "the page has no live region for the job's progress"
    assert all(block not in (n, *n.ancestors()) for n in live), [n.short() for n in live]


def test_a_keyboard_user_on_the_job_pages_refresh_link_keeps_focus_while_it_polls(cast: Any) -> None:
    block = _polled_block(_job_page(cast))
    focusable = [n for n in block.iter() if (n.tag == "a" and "href" in n.attrs) or n.tag in {"button", "input"}]
    assert focusable, "the polled block has nothing to focus: nothing to check"
    # htmx restores focus after a swap only to an element with the same id.
    assert all(n.attrs.get("id") for n in focusable), [n.short() for n in focusable]


# Autocomplete tokens that tell the browser the field holds the *user's own* details (WCAG 1.3.5).
OWN_DETAILS = {"tel", "email", "given-name", "name", "postal-code", "family-name", "address-line1"}


def test_the_staff_entry_form_does_not_offer_to_fill_in_the_staff_members_own_details(cast: Any) -> None:
    from django.urls import reverse

    client = Client()
    client.force_login(cast.alice)
    status, body = page(client, reverse("intake:staff_entry"))
    assert status == 200
    fields = {n.attrs["name"]: n for n in parse(body).iter() if n.tag == "input" and n.attrs.get("name")}
    assert {"phone", "email", "first_name", "zip_code"} <= set(fields)
    # The person's own form keeps them: there they are the person's own details.
    public = {n.attrs.get("name"): n for n in parse(page(Client(), "/help/")[1]).iter() if n.tag == "input"}
    assert public["phone"].attrs.get("autocomplete") == "tel"
    offered = {
        name: fields[name].attrs.get("autocomplete")
        for name in ("phone", "email", "first_name", "zip_code")
        if fields[name].attrs.get("autocomplete") in OWN_DETAILS
    }
    assert not offered, f"the staff member's own details would be offered for {offered}"


def _access_history_rows(cast: Any, language: str) -> list[list[str]]:
    from django.urls import reverse

    from tests.factories import ParticipantFactory

    participant = ParticipantFactory(organization=cast.org)
    peer = Client()
    peer.force_login(cast.alice)
    assert peer.get(reverse("recovery:participant_detail", args=[participant.public_id])).status_code == 200
    supervisor = Client()
    supervisor.force_login(cast.sam)
    with translation.override(language):
        url = reverse("recovery:participant_access_history", args=[participant.public_id])
    status, body = page(supervisor, url)
    assert status == 200
    rows = []
    for row in parse(body).iter():
        cells = [c.text() for c in row.children if isinstance(c, Node) and c.tag == "td"]
        if cells:
            rows.append(cells)
    return rows


def test_the_access_history_names_the_role_not_its_code(cast: Any) -> None:
    from peerway.accounts.roles import Role

    rows = _access_history_rows(cast, "es")
    alice = [row for row in rows if row[1].lower().startswith("alice")]
    assert alice, rows
    with translation.override("es"):
        peer_label = translation.gettext(Role.PEER.label)
    assert peer_label == "Especialista de apoyo entre pares"  # as the staff home shows it
    assert alice[0][2] == peer_label, alice[0]


@pytest.mark.parametrize("language", ["es", "so", "hmn"])
def test_the_access_historys_reasons_are_in_the_readers_language(cast: Any, language: str) -> None:
    rows = _access_history_rows(cast, language)
    assert rows
    english = [row[4] for row in rows if row[4] in {"record page", "access history"}]
    assert not english, rows

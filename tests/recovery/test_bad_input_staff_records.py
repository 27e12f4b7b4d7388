"""Staff record forms sent twice, or from a page left open while someone else changed the record, and odd dates.

Guards: a co-sign never signs a version the supervisor did not have on screen; a hand-off or a merge sent twice lands
where the first one did, not on an error; an edit from a page drawn before someone else's change does not silently
undo that change; a check-in taken on a call cannot be dated in year 1. Forms are sent as a browser sends them: with
every field the page drew (so whatever a fix adds to a form, a token or the version shown, goes along).
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.test import Client
from django.urls import reverse

from peerway.core.models import Community, Language
from peerway.recovery.models import CheckIn, EngagementHandoff, Participant, PeerAttestation
from peerway.recovery.services import contact_correct
from peerway.workforce.models import PeerProfile
from tests.factories import MembershipFactory, ParticipantFactory, UserFactory
from tests.helpers import Cast
from tests.recovery.records import contact_fields, ready_engagement, record
from tests.recovery.test_checkins import form_data


class _Forms(HTMLParser):
    """Each <form> of a page as a browser would send it: text, hidden and checked inputs, textareas, selections."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, list[str]]] = []
        self._textarea: str | None = None
        self._select: str | None = None

    def _add(self, name: str | None, value: str) -> None:
        if self.forms and name:
            self.forms[-1].setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({})
        elif tag == "input" and a.get("type", "text") not in ("submit", "button", "file", "image"):
            if a.get("type") not in ("checkbox", "radio"):
                self._add(a.get("name"), a.get("value", ""))
            elif "checked" in a:
                self._add(a.get("name"), a.get("value", "on"))  # a browser sends "on" for a box without a value
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def drawn_form(client: Client, page: str, *, having: str) -> dict[str, list[str]]:
    """The fields of the form on ``page`` that has a field named ``having``, as the page drew them."""
    return drawn_form_in(client.get(page).content.decode(), having=having)


def drawn_form_in(html: str, *, having: str) -> dict[str, list[str]]:
    """The fields of the form in ``html`` that has a field named ``having``, as a browser would send them."""
    parser = _Forms()
    parser.feed(html)
    for form in parser.forms:
        if having in form:
            return form
    raise AssertionError(f"no form with a field {having!r} in the page")


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_a_co_sign_from_a_page_drawn_before_a_correction_does_not_sign_the_corrected_version(cast: Cast) -> None:
    cast.org.contact_cosign_policy = "all"
    cast.org.save()
    contact = record(ready_engagement(cast), cast.alice, note="Sample note as first written")
    sam = _client(cast.sam)
    page = reverse("recovery:contact_detail", args=[contact.public_id])
    form = drawn_form(sam, page, having="version")
    assert form["version"] == ["1"]
    # Sam reads version 1; meanwhile Alice corrects the note, and then Sam presses "Co-sign" on the page he has.
    contact_correct(contact=contact, actor=cast.alice, reason="", **contact_fields(note="Sample note rewritten"))
    response = sam.post(reverse("recovery:contact_cosign", args=[contact.public_id]), form)
    assert response.status_code < 500
    contact.refresh_from_db()
    assert contact.cosigned_at is None, f"version {contact.cosigned_version.number} was co-signed unseen"
    # Sam reads the page again, now showing version 2, and co-signs what he read.
    again = drawn_form(sam, page, having="version")
    assert again["version"] == ["2"]
    assert sam.post(reverse("recovery:contact_cosign", args=[contact.public_id]), again).status_code == 302
    contact.refresh_from_db()
    assert contact.cosigned_version is not None and contact.cosigned_version.number == 2


def _second_peer(cast: Cast, engagement: object) -> PeerProfile:
    bob = UserFactory(username="bob", first_name="Bob")
    MembershipFactory(user=bob, organization=cast.org, role="peer")
    profile = PeerProfile.objects.create(user=bob, organization=cast.org, display_name="Bob", modalities=["phone"])
    PeerAttestation.objects.create(engagement=engagement, peer=profile)
    return profile


def test_a_hand_off_sent_twice_hands_off_once_and_both_land_on_the_engagement_page(cast: Cast) -> None:
    engagement = ready_engagement(cast)
    bob = _second_peer(cast, engagement)
    sam = _client(cast.sam)
    url = reverse("recovery:engagement_handoff", args=[engagement.public_id])
    form = {**drawn_form(sam, url, having="to_peer"), "to_peer": [str(bob.pk)], "reason": ["Sample: Alice is on leave"]}
    first, second = (sam.post(url, form) for _ in range(2))
    assert EngagementHandoff.objects.filter(engagement=engagement).count() == 1
    assert first.status_code == 302
    assert second.status_code == 302, f"the second sending got {second.status_code}"
    assert second["Location"] == first["Location"]


def test_a_merge_sent_twice_lands_on_the_kept_record(cast: Cast) -> None:
    keep = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="")
    duplicate = ParticipantFactory(organization=cast.org, phone="(612) 555-0142", email="")
    sam = _client(cast.sam)
    compare = reverse("recovery:participant_compare", args=[keep.public_id, duplicate.public_id])
    # The merge form: the one on the page with a one-time token (the language switcher has none).
    form = {**drawn_form(sam, compare, having="submission"), "keep": [str(keep.public_id)]}
    url = reverse("recovery:participant_merge", args=[keep.public_id, duplicate.public_id])
    first, second = (sam.post(url, form) for _ in range(2))
    assert Participant.objects.get(pk=duplicate.pk).merged_into_id == keep.pk
    assert first.status_code == 302
    assert second.status_code == 302, f"the second sending got {second.status_code}"
    assert second["Location"] == first["Location"]


def test_an_edit_from_a_page_drawn_before_another_change_does_not_undo_that_change(cast: Cast) -> None:
    person = ParticipantFactory(organization=cast.org, preferred_name="Sample Ann", phone="(612) 555-0142", email="")
    alice = _client(cast.alice)
    url = reverse("recovery:participant_edit", args=[person.public_id])
    form = drawn_form(alice, url, having="preferred_name")
    # While Alice's page is open, Sam records the person's new number; Alice then fixes a typo in the name.
    sam = _client(cast.sam)
    assert sam.post(url, {**drawn_form(sam, url, having="phone"), "phone": ["(612) 555-0199"]}).status_code == 302
    response = alice.post(url, {**form, "preferred_name": ["Sample Anne"]})
    assert response.status_code < 500
    assert Participant.objects.get(pk=person.pk).phone == "(612) 555-0199"


def test_a_check_in_entered_by_staff_cannot_be_dated_in_year_one(cast: Cast) -> None:
    person = ParticipantFactory(organization=cast.org)
    response = _client(cast.alice).post(
        reverse("recovery:checkin_entry", args=[person.public_id]),
        {**form_data([6] * 10), "answered_at": "0001-01-01T10:00"},
    )
    assert not CheckIn.objects.filter(participant=person).exists()
    assert response.status_code in (200, 400)  # the form again (a refused entry answers 200 today)
    assert 'id="id_answered_at_error"' in response.content.decode()


def test_an_edit_of_a_detail_someone_else_changed_meanwhile_says_what_it_reads_and_saving_again_keeps_it(
    cast: Cast,
) -> None:
    person = ParticipantFactory(organization=cast.org, preferred_name="Sample Ann", phone="(612) 555-0142", email="")
    alice, sam = _client(cast.alice), _client(cast.sam)
    url = reverse("recovery:participant_edit", args=[person.public_id])
    form = drawn_form(alice, url, having="preferred_name")
    assert sam.post(url, {**drawn_form(sam, url, having="phone"), "phone": ["(612) 555-0199"]}).status_code == 302

    refused = alice.post(url, {**form, "phone": ["(612) 555-0177"], "preferred_name": ["Sample Anne"]})

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "it now reads “(612) 555-0199”" in page and 'value="(612) 555-0177"' in page, "what Alice typed is kept"
    assert Participant.objects.get(pk=person.pk).phone == "(612) 555-0199", "nothing was saved"
    parser = _Forms()
    parser.feed(page)
    [shown_again] = [fields for fields in parser.forms if "preferred_name" in fields]
    assert alice.post(url, shown_again).status_code == 302
    saved = Participant.objects.get(pk=person.pk)
    assert (saved.phone, saved.preferred_name) == ("(612) 555-0177", "Sample Anne")


def test_saving_again_after_a_clash_keeps_every_other_detail_the_colleague_changed(cast: Cast) -> None:
    person = ParticipantFactory(organization=cast.org, preferred_name="Sample Ann", phone="(612) 555-0142", email="")
    alice, sam = _client(cast.alice), _client(cast.sam)
    url = reverse("recovery:participant_edit", args=[person.public_id])
    form = drawn_form(alice, url, having="preferred_name")
    community = Community.objects.filter(active=True).order_by("slug").first()
    assert community is not None
    sams = {
        **drawn_form(sam, url, having="phone"),
        "phone": ["(612) 555-0199"],
        "email": ["sample.ann@example.org"],
        "language": [str(Language.objects.get(slug="es").pk)],
        "communities": [str(community.pk)],
        "date_of_birth": ["1980-02-03"],
    }
    assert sam.post(url, sams).status_code == 302

    refused = alice.post(url, {**form, "phone": ["(612) 555-0177"]})

    assert refused.status_code == 400
    assert alice.post(url, drawn_form_in(refused.content.decode(), having="preferred_name")).status_code == 302
    saved = Participant.objects.get(pk=person.pk)
    assert (saved.phone, saved.email, saved.language.slug, str(saved.date_of_birth)) == (
        "(612) 555-0177",
        "sample.ann@example.org",
        "es",
        "1980-02-03",
    )
    assert [c.slug for c in saved.communities.all()] == [community.slug]

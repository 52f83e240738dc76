"""Reviewer expertise in the database: the reviewer keeps a profile, the automatic assignment
uses it among equally balanced plans, and the manager sees each new pairing's affinity and the
words that matched. Also the double-funding flags on the staff page: passages side by side,
kept or cleared with a motivation, and never on an applicant's or reviewer's page."""

import pytest
from django.urls import reverse

from applications import search
from reviews import duplicates, expertise, services
from reviews.models import Assignment, DuplicateFlag, ExpertiseProfile

pytestmark = pytest.mark.django_db


def test_a_reviewer_keeps_an_expertise_profile(client, reviewer):
    client.force_login(reviewer)
    url = reverse("review:expertise")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"description": "Onderzoek naar deepfakes en beeldmanipulatie.", "keywords": "AI, video"}
    )
    assert response.status_code == 302
    profile = ExpertiseProfile.objects.get(user=reviewer)
    assert profile.keywords == "AI, video"
    too_long = client.post(url, {"description": "x" * 3001, "keywords": ""})
    assert too_long.status_code == 200 and too_long.context["form"].errors


def test_stemming_lets_a_profile_meet_inflected_words():
    documents = {1: "Een campagne tegen desinformatiecampagnes op sociale media.", 2: "Lokale sportclubs."}
    profiles = {9: expertise.profile_of("Ik bestudeer desinformatiecampagne en mediawijsheid.", "")}
    matches = expertise.affinities(documents, profiles)
    assert (2, 9) not in matches
    assert "desinformatiecampagne" in matches[(1, 9)].words


def test_automatic_assignment_follows_expertise_and_the_manager_sees_why(
    en, client, call, manager, make_reviewer, make_application
):
    topics = {
        "deepfakes": "Detectie van deepfakes en gemanipuleerde video met beeldforensisch onderzoek.",
        "scholen": "Lessen mediawijsheid voor leerkrachten en scholieren in het secundair onderwijs.",
    }
    applications = {}
    for topic, text in topics.items():
        for n in range(2):
            applications[(topic, n)] = make_application(summary=text)
            search.reindex(applications[(topic, n)].pk)
    video = [make_reviewer(email=f"video{i}@uni.be") for i in range(2)]
    school = [make_reviewer(email=f"school{i}@uni.be") for i in range(2)]
    for person in video:
        ExpertiseProfile.objects.create(
            user=person, description="Beeldforensisch onderzoek", keywords="deepfakes, video"
        )
    for person in school:
        ExpertiseProfile.objects.create(user=person, description="Onderwijs en leerkrachten", keywords="mediawijsheid")
    call.reviews_required = 2
    call.save()
    client.force_login(manager)
    response = client.post(reverse("manage_reviews:assign_auto", args=[call.slug]), {"max_load": ""})
    assert response.status_code == 200
    for (topic, _), application in applications.items():
        expected = video if topic == "deepfakes" else school
        assert set(Assignment.objects.filter(application=application).values_list("reviewer", flat=True)) == {
            p.pk for p in expected
        }
    html = response.content.decode()
    assert "Words that matched" in html and "deepfakes" in html and "mediawijsheid" in html
    outcome_rows = response.context["outcome"].created
    assert all(row.match.score > 0 for row in outcome_rows)


def test_without_profiles_the_assignment_is_as_before(call, manager, make_reviewer, make_application):
    for _ in range(4):
        make_application()
    for _ in range(2):
        make_reviewer()
    outcome = services.assign_automatically(call, by=manager)
    assert len(outcome.created) == 8
    assert all(row.match.score == 0 for row in outcome.created)


def _flag(make_application, call):
    this = make_application("submitted", summary="Wij bouwen een detectietool voor deepfakes in lokaal nieuws. " * 3)
    other = make_application("awarded", summary="Wij bouwen een detectietool voor deepfakes in regionaal nieuws. " * 3)
    return DuplicateFlag.objects.create(
        application=this,
        other=other,
        similarity=0.61,
        shared_partners=["vrt"],
        passages=duplicates.passages(this.summary, other.summary),
    )


def test_the_manager_sees_the_flag_with_the_passages_and_clears_it_with_a_motivation(
    en, client, call, manager, make_application
):
    flag = _flag(make_application, call)
    client.force_login(manager)
    page = client.get(reverse("manage_reviews:application", args=[call.slug, flag.application.pk]))
    html = page.content.decode()
    assert "Possible double funding" in html and "in lokaal nieuws" in html and "in regionaal nieuws" in html
    other_side = client.get(reverse("manage_reviews:application", args=[call.slug, flag.other.pk])).content.decode()
    assert "Possible double funding" in other_side  # seen from either application
    url = reverse("manage_reviews:duplicate_flag", args=[call.slug, flag.application.pk, flag.pk])
    refused = client.post(url, {f"flag{flag.pk}-decision": "clear", f"flag{flag.pk}-motivation": " "})
    assert refused.status_code == 200 and "Say why this is not double funding" in refused.content.decode()
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.OPEN
    done = client.post(url, {f"flag{flag.pk}-decision": "clear", f"flag{flag.pk}-motivation": "Other activities."})
    assert done.status_code == 302
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.CLEARED and flag.decided_by == manager
    kept = client.post(url, {f"flag{flag.pk}-decision": "keep", f"flag{flag.pk}-motivation": ""})
    assert kept.status_code == 302
    flag.refresh_from_db()
    assert flag.state == DuplicateFlag.State.KEPT
    # A flag that is not about this application is not found through it.
    unrelated = make_application("submitted")
    wrong = reverse("manage_reviews:duplicate_flag", args=[call.slug, unrelated.pk, flag.pk])
    assert client.post(wrong, {f"flag{flag.pk}-decision": "keep"}).status_code == 404


def test_applicants_and_reviewers_never_see_a_flag(client, call, make_application, make_reviewer, assign):
    from accounts.tests.factories import MembershipFactory

    flag = _flag(make_application, call)
    member = MembershipFactory(organisation=flag.application.lead_organisation).user
    client.force_login(member)
    html = client.get(reverse("applications:detail", args=[flag.application.pk])).content.decode()
    assert "double" not in html.lower() and "dubbel" not in html.lower()
    person = make_reviewer()
    assign(flag.application, person, declared=True)
    client.force_login(person)
    response = client.get(reverse("review:application", args=[flag.application.pk]))
    assert response.status_code == 200
    assert "double" not in response.content.decode().lower() and "dubbel" not in response.content.decode().lower()
    url = reverse("manage_reviews:duplicate_flag", args=[call.slug, flag.application.pk, flag.pk])
    assert client.post(url, {f"flag{flag.pk}-decision": "clear", f"flag{flag.pk}-motivation": "x"}).status_code == 404

import pytest
from django.utils import timezone

from leucocases.accounts.models import Profile
from leucocases.accounts.services import profile_for, submitted_attempts_for
from leucocases.cases.models import Attempt
from tests.accounts.factories import make_user
from tests.cases.factories import make_case
from tests.quizzes.factories import make_submitted

pytestmark = pytest.mark.django_db


def test_dashboard_needs_login(client):
    """An anonymous visitor is sent to log in, and comes back afterwards."""
    response = client.get("/accounts/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/dashboard/"


def test_dashboard_lists_submitted_attempts_with_their_current_total(client):
    """The dashboard shows each submitted case with its date and the score of its current report."""
    user = make_user()
    make_submitted(user=user, case=make_case(title="Fever after chemotherapy").case, total=64.4, superseded_totals=[12])
    Attempt.objects.create(case=make_case(title="Still working on it").case, user=user)  # not submitted
    make_submitted(user=make_user(), case=make_case(title="Somebody else's case").case, total=72.0)
    client.force_login(user)
    html = client.get("/accounts/dashboard/").content.decode()
    assert "Fever after chemotherapy" in html
    assert "64 / 100" in html
    assert "12 / 100" not in html
    assert "Still working on it" not in html
    assert "Somebody else" not in html
    assert '<th scope="col">Case</th>' in html


def test_dashboard_without_attempts_points_to_cases(client):
    """With nothing submitted yet, the dashboard suggests a practice case."""
    client.force_login(make_user())
    html = client.get("/accounts/dashboard/").content.decode()
    assert "You have not submitted a case yet" in html
    assert 'href="/cases/"' in html


def test_submitted_attempts_take_one_query(django_assert_num_queries):
    """Listing attempts with their case titles and totals is one query however many there are."""
    user = make_user()
    for n in range(3):
        make_submitted(
            user=user, case=make_case().case, total=50 + n, submitted_at=timezone.now() - timezone.timedelta(days=n)
        )
    with django_assert_num_queries(1):
        rows = [(a.case.title, a.total) for a in submitted_attempts_for(user=user)]
    assert [total for _, total in rows] == [50, 51, 52]  # newest first


def test_profile_for_creates_once():
    """profile_for makes a student profile the first time and returns the same one after."""
    user = make_user()
    first = profile_for(user)
    assert first.audience == Profile.Audience.STUDENT
    assert profile_for(user).pk == first.pk
    assert Profile.objects.filter(user=user).count() == 1


def test_user_admin_shows_the_profile_inline(client):
    """In the admin, a user's page lets staff edit their learner profile's audience."""
    admin = make_user(username="boss", is_staff=True, is_superuser=True)
    learner = make_user(username="ada")
    client.force_login(admin)
    html = client.get(f"/admin/auth/user/{learner.pk}/change/").content.decode()
    assert "profile-0-audience" in html or "id_profile-0-audience" in html

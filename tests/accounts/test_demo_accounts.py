from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from leucocases.accounts.management.commands.create_demo_accounts import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db
User = get_user_model()


def run_command() -> str:
    out = StringIO()
    call_command("create_demo_accounts", stdout=out)
    return out.getvalue()


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def snapshot():
    return {
        "users": list(
            User.objects.order_by("username").values(
                "pk", "username", "email", "password", "is_staff", "is_superuser", "is_active"
            )
        ),
        "memberships": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "groups": list(Group.objects.values_list("pk", "name")),
        "group_permissions": sorted(Group.permissions.through.objects.values_list("group_id", "permission_id")),
        "profiles": sorted(get_user_model().objects.values_list("profile__pk", "profile__audience")),
    }


def test_refused_without_debug(settings):
    """With DEBUG off the command refuses (its passwords are public) and creates nothing."""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="development only"):
        run_command()
    assert not User.objects.exists()
    assert not Group.objects.filter(name="Instructors").exists()


def test_creates_the_demo_users_and_prints_their_credentials(debug):
    """The command creates instructor, reviewer and student and prints each username with its password."""
    output = run_command()
    for account in DEMO_ACCOUNTS:
        user = User.objects.get(username=account.username)
        assert user.check_password(account.password)
        assert account.username in output
        assert account.password in output
    assert User.objects.get(username="instructor").is_staff
    assert User.objects.get(username="reviewer").is_staff
    student = User.objects.get(username="student")
    assert not student.is_staff
    assert not student.groups.exists()
    assert set(Group.objects.get(name="Instructors").user_set.values_list("username", flat=True)) == {
        "instructor",
        "reviewer",
    }


def test_second_run_changes_nothing(debug):
    """Running the command again duplicates nothing and changes no row."""
    run_command()
    before = snapshot()
    output = run_command()
    assert snapshot() == before
    assert output.count("unchanged") == len(DEMO_ACCOUNTS)
    assert User.objects.count() == len(DEMO_ACCOUNTS)


def test_rerun_restores_a_changed_demo_password(debug):
    """If someone changed a demo password, the next run puts the documented one back."""
    run_command()
    student = User.objects.get(username="student")
    student.set_password("something-private")
    student.save()
    assert "updated" in run_command()
    student.refresh_from_db()
    assert student.check_password("leuco-demo-student")


def test_instructors_group_permissions(debug):
    """Instructors manage content (taxonomy, cases, quizzes) but only read learners' attempts."""
    run_command()
    instructor = User.objects.get(username="instructor")
    for perm in [
        "taxonomy.add_cause",
        "taxonomy.change_fact",
        "taxonomy.delete_reference",
        "taxonomy.view_workupstep",
        "cases.add_case",
        "cases.change_finding",
        "cases.delete_orderrule",
        "cases.change_diagnosisoption",
        "quizzes.add_quiz",
        "quizzes.change_cohort",
        "cases.view_attempt",
        "cases.view_choice",
        "cases.view_gradedreport",
    ]:
        assert instructor.has_perm(perm), perm
    for perm in [
        "cases.add_attempt",
        "cases.change_attempt",
        "cases.delete_attempt",
        "cases.change_choice",
        "cases.change_gradedreport",
        "cases.delete_gradedreport",
        "auth.change_user",
        "auth.change_group",
    ]:
        assert not instructor.has_perm(perm), perm
    student = User.objects.get(username="student")
    assert not student.has_perm("cases.view_case")


def test_reviewer_can_approve_the_instructors_work(debug):
    """Approval by someone other than the author can be shown with the two instructor accounts."""
    from leucocases.cases.models import Case
    from leucocases.editorial.models import ReviewStatus
    from leucocases.editorial.services import review_transition

    run_command()
    instructor = User.objects.get(username="instructor")
    reviewer = User.objects.get(username="reviewer")
    case = Case.objects.create(title="Demo", slug="demo", presentation="x", author=instructor)
    review_transition(obj=case, user=instructor, to_status=ReviewStatus.SUBMITTED)
    review_transition(obj=case, user=reviewer, to_status=ReviewStatus.UNDER_REVIEW)
    review_transition(obj=case, user=reviewer, to_status=ReviewStatus.APPROVED)
    case.refresh_from_db()
    assert case.review_status == ReviewStatus.APPROVED
    assert case.reviewer == reviewer

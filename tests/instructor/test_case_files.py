"""Case files in the browser: the import_cases command's checks and words, and export_cases's file."""

from __future__ import annotations

import html
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from leucocases.cases.models import Case, CaseRevision
from leucocases.instructor.case_files import upload_name
from tests.accounts.factories import make_instructor
from tests.accounts.factories import make_user as make_learner
from tests.cases.factories import CASE_DOCUMENT, case_yaml, make_case_document
from tests.cases.factories import make_casefile_catalogue as make_catalogue
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

URL = "/instructor/case-files/"


def upload(name: str, document) -> SimpleUploadedFile:
    text = document if isinstance(document, str) else case_yaml(document)
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/yaml")


@pytest.fixture
def instructor(db):
    make_catalogue()
    return make_instructor(username="author")


@pytest.fixture
def instructor_client(client, instructor):
    client.force_login(instructor)
    return client


def test_uploaded_files_are_imported_as_drafts_by_the_uploader(instructor_client, instructor):
    files = [upload("one.yaml", CASE_DOCUMENT), upload("two.yml", make_case_document(slug="second"))]
    response = instructor_client.post(URL, {"files": files, "action": "import"}, follow=True)
    assert response.redirect_chain == [(URL, 302)]
    page = visible_text(response)
    assert "Imported 2 cases from 2 files: 2 created, 0 updated, 0 unchanged." in page
    assert "2 cases were imported as drafts for review. A colleague approves them in the admin." in page
    cases = Case.objects.order_by("slug")
    assert [(c.slug, c.review_status, c.author) for c in cases] == [
        ("second", "draft", instructor),
        ("thiopurine-normal-tpmt", "draft", instructor),
    ]
    revision = CaseRevision.objects.get(case__slug="thiopurine-normal-tpmt")
    assert (revision.user, revision.summary) == (instructor, "Imported from one.yaml as a new case.")


def test_errors_are_the_commands_lines_with_the_uploaded_names(instructor_client, tmp_path):
    bad = make_case_document()
    bad["findings"][2]["step"] = "smear"
    bad["diagnosis"][1]["credit"] = 1
    (tmp_path / "x.yaml").write_text(case_yaml(bad), encoding="utf-8")
    (tmp_path / "y.yaml").write_text(case_yaml(make_case_document(slug="fine")), encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_cases", str(tmp_path), stderr=err, stdout=StringIO())
    command_lines = [line.replace(f"{tmp_path}/", "") for line in err.getvalue().splitlines()]

    files = [upload("x.yaml", bad), upload("y.yaml", make_case_document(slug="fine"))]
    response = instructor_client.post(URL, {"files": files, "action": "import"})
    assert response.status_code == 200
    shown = re.findall(r"<li>(.*?)</li>", html.unescape(response.content.decode().split('id="import-errors"')[1]))
    assert shown[: len(command_lines)] == command_lines and len(command_lines) == 2
    assert command_lines[0].startswith("x.yaml: case 'thiopurine-normal-tpmt': findings[2].step: unknown workup step")
    assert str(refused.value) == "2 errors found; nothing was imported."
    assert str(refused.value) in visible_text(response)
    assert Case.objects.count() == 0


def test_check_only_shows_each_expert_path_and_writes_nothing(instructor_client):
    response = instructor_client.post(URL, {"files": [upload("one.yaml", CASE_DOCUMENT)], "action": "check"})
    page = visible_text(response)
    assert "Checked 1 case in 1 file: no problems. Dry run: nothing was written." in page
    assert re.search(r"thiopurine-normal-tpmt: expert path peripheral-smear, .* grades \d+\.\d \([A-E]\)", page)
    assert Case.objects.count() == 0


def test_two_uploads_of_the_same_name_stay_two_files(instructor_client):
    files = [upload("case.yaml", CASE_DOCUMENT), upload("case.yaml", CASE_DOCUMENT)]
    page = visible_text(instructor_client.post(URL, {"files": files, "action": "import"}))
    assert "case.yaml: case 'thiopurine-normal-tpmt': slug: the slug is also used by a case in case.yaml" in page
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("../../etc/case.yaml", "case.yaml"), ("C:\\Users\\me\\case.yaml", "case.yaml"), ("..", "upload-3.yaml")],
)
def test_an_uploads_name_loses_any_folder(sent, kept):
    assert upload_name(sent, 3) == kept


def test_no_file_is_a_form_error(instructor_client):
    response = instructor_client.post(URL, {"action": "import"})
    assert "This field is required." in visible_text(response)


def test_download_is_export_cases_output(instructor_client, tmp_path):
    (tmp_path / "one.yaml").write_text(case_yaml(CASE_DOCUMENT), encoding="utf-8")
    call_command("import_cases", str(tmp_path), stdout=StringIO())
    out = StringIO()
    call_command("export_cases", "--slug", "thiopurine-normal-tpmt", stdout=out)
    response = instructor_client.get(reverse("instructor:case_file", args=["thiopurine-normal-tpmt"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="thiopurine-normal-tpmt.yaml"'
    assert response.content.decode("utf-8") == out.getvalue()
    assert "×10⁹/L" in response.content.decode("utf-8")
    index = instructor_client.get(reverse("instructor:index")).content.decode()
    assert 'href="/instructor/cases/thiopurine-normal-tpmt/case-file.yaml" download' in index
    assert instructor_client.get(reverse("instructor:case_file", args=["nope"])).status_code == 404


def test_learners_get_403_and_the_form_needs_csrf(client, instructor):
    client.force_login(make_learner())
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"files": [upload("one.yaml", CASE_DOCUMENT)]}).status_code == 403
    assert client.get(reverse("instructor:case_file", args=["x"])).status_code == 403
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(instructor)
    assert strict.post(URL, {"files": [upload("one.yaml", CASE_DOCUMENT)], "action": "import"}).status_code == 403
    assert Case.objects.count() == 0

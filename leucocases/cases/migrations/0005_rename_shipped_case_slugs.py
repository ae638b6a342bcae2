"""Rename the shipped cases whose slug gave their answer away (issue 15).

Slugs are in the address bar before a case is worked, so they say only what
the presentation says. Case files are matched by slug: renaming the rows here
lets ``import_cases`` update them in place on an existing database, instead of
adding a second copy beside the old, leaky one. A row is renamed only when the
old slug exists and the new one is free.
"""

from django.db import migrations

RENAMED = {
    "cll-mouth-ulcers": "mouth-ulcers-and-a-skin-abscess",
    "heavy-drinker-pneumonia": "heavy-drinker-cough-and-fever",
    "melanoma-immunotherapy-low-count": "melanoma-low-count-before-fourth-cycle",
    "metal-finisher-falling-counts": "metal-restorer-bleeding-gums",
    "older-man-slowly-falling-counts": "older-man-tired-and-breathless",
    "treated-hepatitis-c-low-counts": "treated-hepatitis-c-low-white-count",
}


def rename(apps, mapping):
    Case = apps.get_model("cases", "Case")
    for old, new in mapping.items():
        if not Case.objects.filter(slug=new).exists():
            Case.objects.filter(slug=old).update(slug=new)


def forwards(apps, schema_editor):
    rename(apps, RENAMED)


def backwards(apps, schema_editor):
    rename(apps, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):
    dependencies = [("cases", "0004_case_labels")]

    operations = [migrations.RunPython(forwards, backwards)]

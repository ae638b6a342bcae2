"""The catalogue holds management actions beside investigations; every entry gets a default result.

Existing rows are investigations. Each needs a default result (what a learner
sees on ordering an entry the case does not key): the 14 shipped entries get
the texts fixtures/taxonomy.yaml gives them, any other row a neutral one that
an author should then replace.
"""

from django.db import migrations, models

# Copied from fixtures/taxonomy.yaml when this migration was written: a
# migration must not depend on a file that keeps changing.
SHIPPED_DEFAULT_RESULTS = {
    "repeat-cbc": "Similar to the presenting count.",
    "peripheral-smear": "Film reviewed: no abnormal cells seen.",
    "prior-counts": "No earlier blood counts are on record.",
    "rbc-platelet-counts": "Haemoglobin and platelet count within the reference range.",
    "citrate-recount": "The citrate recount agrees with the EDTA count.",
    "medication-review": "Nothing to add to the medicines and exposures already recorded.",
    "tpmt-nudt15": "Normal TPMT activity; no NUDT15 variant detected.",
    "hiv-hcv-serology": "HIV antigen/antibody negative; HCV antibody negative.",
    "cmv-pcr": "CMV DNA not detected.",
    "blood-cultures": "No growth after 48 hours.",
    "b12-folate": "Vitamin B12 and folate within the reference range.",
    "autoimmune-serology": "No autoantibodies detected.",
    "spleen-ultrasound": "Spleen normal in size and appearance.",
    "bone-marrow-biopsy": (
        "Normocellular marrow with trilineage haematopoiesis; no dysplasia, excess blasts, infiltration or fibrosis."
    ),
}
OTHER_ROWS = "No abnormality found."


def fill_default_results(apps, schema_editor):
    WorkupStep = apps.get_model("taxonomy", "WorkupStep")
    for slug, text in SHIPPED_DEFAULT_RESULTS.items():
        WorkupStep.objects.filter(slug=slug).update(default_result=text)


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0002_search_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="workupstep",
            name="kind",
            field=models.CharField(
                choices=[("investigation", "Investigation"), ("action", "Management action")],
                default="investigation",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="workupstep",
            name="default_result",
            field=models.TextField(
                default=OTHER_ROWS,
                help_text=(
                    "Markdown. What a learner sees on ordering this entry in a case that does not key it: a "
                    "plausible, unremarkable result or outcome for any patient (e.g. 'No growth after 48 hours.'). "
                    "Never shown on reader pages."
                ),
            ),
            preserve_default=False,
        ),
        migrations.RunPython(fill_default_results, migrations.RunPython.noop),
        migrations.AddField(
            model_name="workupstep",
            name="standard_practice",
            field=models.BooleanField(
                default=False,
                help_text=(
                    "The site's source does not discuss this entry: its text only says what it measures or "
                    "involves, makes no clinical claim, and cites no reference. Reader pages say so."
                ),
                verbose_name="standard practice, not in the source",
            ),
        ),
        migrations.AlterField(
            model_name="workupstep",
            name="category",
            field=models.CharField(
                choices=[
                    ("blood_count", "Blood count, film and coagulation"),
                    ("history", "History, medications and exposures"),
                    ("chemistry", "Chemistry"),
                    ("infection", "Infection studies"),
                    ("nutrition_immune", "Vitamins, haematinics and immunology"),
                    ("imaging", "Imaging"),
                    ("marrow", "Marrow and special tests"),
                    ("medication", "Medication and exposure changes"),
                    ("treatment", "Treatment"),
                    ("disposition", "Disposition, referral and follow-up"),
                ],
                max_length=30,
            ),
        ),
        migrations.AlterField(
            model_name="workupstep",
            name="references",
            field=models.ManyToManyField(blank=True, related_name="workup_steps", to="taxonomy.reference"),
        ),
        migrations.AlterField(
            model_name="workupstep",
            name="what_it_shows",
            field=models.TextField(
                help_text="Markdown. For an investigation, what it shows; for an action, what it involves."
            ),
        ),
        migrations.AddConstraint(
            model_name="workupstep",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        (
                            "category__in",
                            [
                                "blood_count",
                                "chemistry",
                                "history",
                                "imaging",
                                "infection",
                                "marrow",
                                "nutrition_immune",
                            ],
                        ),
                        ("kind", "investigation"),
                    ),
                    models.Q(("category__in", ["disposition", "medication", "treatment"]), ("kind", "action")),
                    _connector="OR",
                ),
                name="workup_step_category_fits_kind",
            ),
        ),
    ]

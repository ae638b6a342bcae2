"""``manage.py load_case_labels [PATH]``: validate the case-label file, then load it all or nothing."""

from leucocases.cases.labels import DEFAULT_PATH, load_case_labels_file
from leucocases.editorial.loading import LoadFileCommand


class Command(LoadFileCommand):
    help = (
        "Load the case labels (what a presentation shows: fever, routine count …) from a YAML file "
        "(default fixtures/case_labels.yaml; the format is in leucocases/cases/labels.py). Load them "
        "before importing cases that name them. Every error is reported and nothing is written if "
        "there is one; re-running updates labels in place by slug."
    )
    default_path = DEFAULT_PATH

    def load(self, path, **options):
        return load_case_labels_file(path)

    def report(self, summary, path, **options):
        counts = summary.counts(noun="case label", nouns="case labels", path=path)
        self.stdout.write(self.style.SUCCESS(f"{counts}."))

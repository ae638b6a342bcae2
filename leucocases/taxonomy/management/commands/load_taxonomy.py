"""``manage.py load_taxonomy [PATH]``: validate the taxonomy file, then load it all or nothing."""

from leucocases.editorial.loading import LoadFileCommand
from leucocases.taxonomy.content import DEFAULT_PATH, load_taxonomy_file


class Command(LoadFileCommand):
    help = (
        "Load references, cause groups, mechanisms, causes, topics, facts and workup steps from a YAML file "
        "(default fixtures/taxonomy.yaml). Every error is reported and nothing is written if there is one; "
        "re-running updates in place."
    )
    default_path = DEFAULT_PATH
    loosely = True

    def load(self, path, **options):
        return load_taxonomy_file(path)

    def report(self, summary, path, **options):
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Loaded {path}."))

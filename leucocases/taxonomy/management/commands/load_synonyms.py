"""``manage.py load_synonyms [PATH]``: load the search synonym table (default fixtures/synonyms.yaml)."""

from leucocases.editorial.loading import LoadFileCommand
from leucocases.taxonomy.search.synonyms import DEFAULT_PATH, SynonymFileError, load_synonyms_file


class Command(LoadFileCommand):
    help = "Load the synonym groups search uses; validates the whole file first and writes all or nothing."
    default_path = DEFAULT_PATH
    catch = SynonymFileError
    loosely = True

    def load(self, path, **options):
        return load_synonyms_file(path)

    def report(self, count, path, **options):
        self.stdout.write(self.style.SUCCESS(f"Loaded {count} synonym groups from {path}."))

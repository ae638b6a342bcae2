"""Questions in the search box, answered with the site's own cited facts.

- ``analysis``: how text becomes terms (pure Python);
- ``models``: the index entries, the term vocabulary and the synonym table;
- ``sources``: what gets indexed, and who may see it (other apps register theirs);
- ``index``: the services that keep the index in step with the content;
- ``engines``: SQLite FTS5 and PostgreSQL full-text queries;
- ``snapshot``: what every question reads (synonyms, vocabulary, lengths), kept in memory per index version;
- ``polarity``: which way a count moved ("lower white cells", "a high white count");
- ``generic``: words that say nothing about which part of the subject a question is about ("deficiency");
- ``question``: a question read into weighted concepts (synonyms, direction, spelling);
- ``answer``: ranking, the refusal, and the answer page's data.

This package's ``__init__`` imports nothing: ``taxonomy.models`` imports
``search.models`` while Django is still loading the models.
"""

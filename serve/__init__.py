"""The service side of postwacht, in three sub-packages with one job each:

http/   the HTTP service (`postwacht serve`): app factory, routes, the staff page, auth, errors,
        schemas, metrics, the scoring worker and the swappable scorer
store/  the review store: database and migrations, reviews and audit, reviewer tokens, review queue
batch/  scoring files of drafts at scale (`postwacht batch`)

config.py reads the service's settings from the environment (both http and store use them).
Limits and defaults live in corpus/settings.py; the result type in model/result.py.
"""

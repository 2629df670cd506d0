"""The scoring service: HTTP API, staff page and review store (`postwacht serve`).

app.py (factory and lifespan) · routes/ (one router per resource) · schemas.py (bodies, OpenAPI) ·
scoring.py (the scoring worker) · state.py (the swappable scorer) · db.py, models_db.py, migrations/
(SQLite or PostgreSQL, Alembic) · store.py, tokens.py, queue.py (reviews, audit, reviewer tokens, review queue) ·
auth.py, deps.py (dependencies) · errors.py, middleware.py, metrics.py · static/ (the page).
"""

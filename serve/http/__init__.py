"""The HTTP service: `serve.http.app.create_app()` builds the FastAPI app (`postwacht serve`).

app.py (factory, lifespan) · routes/ (one router per resource) · static/ (the staff page) ·
schemas.py (bodies, OpenAPI; the result type comes from model/result.py) · scoring.py (the scoring
worker) · state.py (the swappable scorer, model reloads) · auth.py, deps.py (dependencies) ·
errors.py, validation.py, responses.py, middleware.py, metrics.py.
"""

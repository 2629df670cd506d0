"""Error responses: a code and a message in Dutch and English, never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from corpus.protocol import Protocol, UnknownSchoolError, get_protocol
from corpus.vocabulary import LABELS, ROLES
from serve.http.responses import SafeJSONResponse


class ApiError(Exception):
    """Raised by routes and dependencies; turned into an ErrorOut response."""

    def __init__(self, status: int, code: str, nl: str, en: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(en)
        self.status, self.code, self.nl, self.en = status, code, nl, en
        self.headers = headers
        self.extra = extra


def error_body(code: str, nl: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "detail": f"{nl} ({en})", "message_nl": nl, "message_en": en, **extra}


def error_response(exc: ApiError) -> SafeJSONResponse:
    return SafeJSONResponse(error_body(exc.code, exc.nl, exc.en, **exc.extra), status_code=exc.status,
                            headers=exc.headers)


# ---- the errors routes raise ---------------------------------------------------------------------
def text_too_long(chars: int, limit: int) -> ApiError:
    return ApiError(413, "text_too_long",
                    f"De tekst is te lang: {chars} tekens, maximaal {limit}. Kort de tekst in.",
                    f"Text too long: {chars} characters, at most {limit}.", chars=chars, max_chars=limit)


def unknown_role(role: object) -> ApiError:
    roles = ", ".join(ROLES)
    return ApiError(422, "unknown_role", f"Onbekende rol; kies uit: {roles}.",
                    f"Unknown role; valid roles: {roles}.", valid_roles=list(ROLES))


def unknown_label() -> ApiError:
    labels = ", ".join(LABELS)
    return ApiError(422, "unknown_label", f"Onbekend label; kies uit: {labels}.",
                    f"Unknown label; valid labels: {labels}.", valid_labels=list(LABELS))


def unknown_school(school: str, known: list[str]) -> ApiError:
    names = ", ".join(known) or "-"
    return ApiError(422, "unknown_school", f"Onbekende school; kies uit: {names}.",
                    f"Unknown school; valid schools: {names}.", valid_schools=known)


def protocol_or_404(school: str | None) -> Protocol:
    """The protocol of a school of this install (None: the default school), or a 422."""
    try:
        return get_protocol(school or None)
    except UnknownSchoolError as exc:
        raise unknown_school(exc.school, exc.known) from exc


def batch_too_large(items: int, limit: int) -> ApiError:
    return ApiError(413, "batch_too_large",
                    f"Te veel teksten in één keer: {items}, maximaal {limit}. Splits de lijst.",
                    f"Batch too large: {items} items, at most {limit}.", items=items, max_items=limit)


def batch_too_many_chars(chars: int, limit: int) -> ApiError:
    return ApiError(413, "batch_too_large",
                    f"Te veel tekst in één keer: {chars} tekens, maximaal {limit}. Splits de lijst "
                    "of gebruik `postwacht batch`.",
                    f"Batch too large: {chars} characters in all, at most {limit}.",
                    chars=chars, max_chars=limit)


EMPTY_TEXT_NL = "De tekst is leeg. Typ of plak eerst een bericht."
EMPTY_TEXT_EN = "The text is empty."


def empty_text() -> ApiError:
    return ApiError(422, "empty_text", EMPTY_TEXT_NL, EMPTY_TEXT_EN)


INVALID_ID_NL = "Ongeldig id: gebruik tekst of een eindig getal (geen NaN of Infinity)."
INVALID_ID_EN = "Invalid id: use a string or a finite number (not NaN or Infinity)."


def invalid_id() -> ApiError:
    return ApiError(422, "invalid_id", INVALID_ID_NL, INVALID_ID_EN)


def busy(retry_after: int, batch: bool) -> ApiError:
    """429: the scoring queue is full (a batch already running, or too many drafts waiting)."""
    if batch:
        nl = (f"Er wordt al een lijst beoordeeld. Probeer het over {retry_after} seconden opnieuw, "
              "of gebruik `postwacht batch` voor grote lijsten.")
        en = f"Another batch is being scored; retry in {retry_after} seconds."
    else:
        nl = f"Het is nu erg druk. Probeer het over {retry_after} seconden opnieuw."
        en = f"Too many drafts waiting; retry in {retry_after} seconds."
    return ApiError(429, "busy", nl, en, headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def too_many_failed_tokens(retry_after: int) -> ApiError:
    return ApiError(429, "too_many_attempts",
                    f"Te veel pogingen met een onjuist token. Wacht {retry_after} seconden en probeer het opnieuw.",
                    f"Too many attempts with a wrong token; retry in {retry_after} seconds.",
                    headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


def not_scorable(message: str) -> ApiError:
    return ApiError(422, "not_scorable", message, message)


def review_not_found(review_id: int) -> ApiError:
    return ApiError(404, "review_not_found", f"Review {review_id} bestaat niet.", f"Review {review_id} not found.")


def queue_item_not_found(item_id: int) -> ApiError:
    return ApiError(404, "queue_item_not_found", f"Wachtrij-item {item_id} bestaat niet.",
                    f"Queue item {item_id} not found.")


def queue_item_closed(item_id: int, status: str) -> ApiError:
    return ApiError(409, "queue_item_closed", f"Wachtrij-item {item_id} is al afgehandeld ({status}).",
                    f"Queue item {item_id} is already closed ({status}).", item_status=status)


def token_not_found(token_id: int) -> ApiError:
    return ApiError(404, "token_not_found", f"Token {token_id} bestaat niet.", f"Token {token_id} not found.")


def token_missing() -> ApiError:
    return ApiError(401, "token_missing", "Log in met een reviewertoken (Authorization: Bearer …).",
                    "A reviewer token is required (Authorization: Bearer …).",
                    headers={"WWW-Authenticate": "Bearer"})


def token_invalid() -> ApiError:
    return ApiError(403, "token_invalid", "Dit token is onbekend of ingetrokken.",
                    "This token is unknown or revoked.")


def admin_disabled() -> ApiError:
    return ApiError(403, "admin_disabled", "Beheer via HTTP staat uit (POSTWACHT_ADMIN_TOKEN is niet gezet).",
                    "Admin over HTTP is off (POSTWACHT_ADMIN_TOKEN is not set).")


def model_not_loadable(reason: str) -> ApiError:
    return ApiError(409, "model_not_loadable",
                    f"Het actieve model kon niet geladen worden; het huidige model blijft in gebruik. ({reason})",
                    f"The active model could not be loaded; the current model keeps serving. ({reason})")


def service_unavailable() -> ApiError:
    return ApiError(503, "not_ready", "De dienst start nog of de database is niet bereikbaar.",
                    "The service is starting or the database is unreachable.")


INTERNAL = ("internal_error", "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
            "Internal server error.")

# Framework errors (routing, body limits) by status code.
HTTP_MESSAGES: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "Het verzoek is ongeldig.", "Bad request."),
    404: ("not_found", "Niet gevonden.", "Not found."),
    405: ("method_not_allowed", "Deze methode is hier niet toegestaan.", "Method not allowed."),
    413: ("request_too_large", "Het verzoek is te groot.", "Request body too large."),
    415: ("unsupported_media_type", "Stuur JSON (Content-Type: application/json).",
          "Send JSON (Content-Type: application/json)."),
}


# ---- exception handlers --------------------------------------------------------------------------
async def handle_api_error(request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc)


async def handle_http_exception(request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, nl, en = HTTP_MESSAGES.get(exc.status_code, ("http_error", "Fout bij het verzoek.", "HTTP error."))
    return SafeJSONResponse(error_body(code, nl, en), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))


async def handle_database_down(request: Request, exc: Exception) -> SafeJSONResponse:
    # Connection-level failures only (server down, locked too long); other database errors stay 500s.
    return error_response(service_unavailable())


async def handle_validation_error(request: Request, exc: Exception) -> SafeJSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return SafeJSONResponse(error_body("invalid_json", "Het verzoek is geen geldige JSON.",
                                           "Malformed JSON in the request body."), status_code=400)
    if errors and all(e.get("loc", ())[-1:] == ("role",) for e in errors):
        return error_response(unknown_role(None))
    if errors and all(e.get("loc", ())[-1:] == ("id",) for e in errors):
        return error_response(invalid_id())
    # Only where and what: the submitted value (`input`) may be draft text and is never echoed.
    listed = [{"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
              for e in errors[:20]]
    where = ", ".join(".".join(e["loc"]) for e in listed) or "?"
    return SafeJSONResponse(error_body("invalid_input", f"Ongeldige invoer bij: {where}.",
                                       f"Invalid input at: {where}.", errors=listed), status_code=422)


EXCEPTION_HANDLERS = {
    ApiError: handle_api_error,
    StarletteHTTPException: handle_http_exception,
    RequestValidationError: handle_validation_error,
    OperationalError: handle_database_down,
}

"""Typed requests and answers of the JSON API: pydantic models validate and document.

Each view says what it reads and answers with `@endpoint(...)`: its query
parameters (a `Params` model), its JSON body (an `Input` model), its answers by
status (an `Answer` model, a list or page of one) and its refusals. The
decorator validates before the view runs — every malformed or empty value is
one 400 envelope naming each bad field, so nothing malformed reaches a service
— and pmsys/api/openapi.py builds the document from the same declarations.

Why pydantic and a few dozen lines of our own rather than a framework
(spectree, flask-smorest, flask-openapi3): the views stay plain Flask views on
one blueprint, errors keep the API's envelope and codes, answers are written
by the serializers as plain dicts (the models describe them and the tests check
them; they are not re-validated on every request), and pydantic's compiled
validators cost microseconds.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from typing import Annotated, Any, Generic, TypeVar

from flask import request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StrictInt,
    StrictStr,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from werkzeug.datastructures import FileStorage

from pmsys.api.helpers import json_body
from pmsys.errors import InvalidInput

CODE_LENGTH = 64
TEXT_LENGTH = 4000
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class ErrorCode:
    """Field metadata: the envelope's code when this field is the (first) bad one."""

    code: str


def _day(value):
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise ValueError("a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError("a date YYYY-MM-DD") from None


_FLAGS = {"1": True, "true": True, "0": False, "false": False}


def _flag(value):
    if isinstance(value, bool):
        return value
    if value not in _FLAGS:
        raise ValueError("must be 1, 0, true or false")
    return _FLAGS[value]


def _none_if_empty(value):
    return None if value == "" else value


# Field metadata: an empty value is taken as absent (where an API has always read it so).
EmptyIsAbsent = BeforeValidator(_none_if_empty)

# Types of fields. Bodies are JSON: no coercion (5 is not "5", true is not 1).
# No text may hold a NUL character: PostgreSQL cannot store it (refused as invalid_characters).
NO_NUL = r"^[^\x00]*$"
Code = Annotated[StrictStr, StringConstraints(min_length=1, max_length=CODE_LENGTH,
                                              pattern=NO_NUL)]
Day = Annotated[date, BeforeValidator(_day),
                Field(json_schema_extra={"type": "string", "format": "date"})]
# The days the reports accept (1970–2999), as the document writes them; the services refuse the
# rest of the well-formed ones.
DAY_PATTERN = r"^(19[7-9]\d|2\d{3})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"
Flag = Annotated[bool, BeforeValidator(_flag),
                 Field(json_schema_extra={"type": "string", "enum": list(_FLAGS)})]
Integer = StrictInt
Boolean = StrictBool


def text(max_length: int = TEXT_LENGTH, min_length: int = 0):
    """A string type of bounded length."""
    return Annotated[StrictStr, StringConstraints(min_length=min_length, max_length=max_length,
                                                  pattern=NO_NUL)]


NUMBER_LENGTH = 40


def number(example: str = "62.50", *, floats: bool = False):
    """A decimal the service reads itself: a string ("62.50") or a whole number (a JSON
    number with a fraction too where `floats`); never a boolean."""
    kinds = (str, int, float) if floats else (str, int)

    def check(value):
        if (isinstance(value, bool) or not isinstance(value, kinds)
                or isinstance(value, str) and len(value) > NUMBER_LENGTH):
            raise ValueError(f'a decimal string such as "{example}"')
        return value

    schema = {"anyOf": [{"type": "string", "maxLength": NUMBER_LENGTH, "examples": [example]},
                        {"type": "number" if floats else "integer"}]}
    return Annotated[str | int | float, PlainValidator(check), WithJsonSchema(schema)]


class Input(BaseModel):
    """A JSON body: unknown keys are ignored (never mass-assigned), types are strict."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Params(BaseModel):
    """Query parameters: every value is text; an empty one is refused like a malformed one."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class NoBody(Input):
    """No body is needed; an empty JSON object is accepted."""


class Form(Params):
    """A multipart/form-data body: text fields, and files (`Upload`) as lists."""


def _upload(value):
    if not isinstance(value, FileStorage):
        raise ValueError("a file")
    return value


Upload = Annotated[Any, BeforeValidator(_upload),
                   WithJsonSchema({"type": "string", "format": "binary"})]


@dataclass(frozen=True)
class Media:
    """An answer that is not JSON: the media types it may have (each any bytes)."""

    types: tuple[str, ...]


MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000


class Paged(Params):
    """`page` and `per_page` (API conventions: at most 200 a page)."""

    page: Annotated[int, Field(ge=1, le=MAX_PAGE, description="Page number, from 1."),
                    ErrorCode("invalid_paging")] = 1
    per_page: Annotated[int, Field(ge=1, le=MAX_PER_PAGE, description="Items per page."),
                        ErrorCode("invalid_paging")] = DEFAULT_PER_PAGE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


class Answer(BaseModel):
    """The shape of an answer, for the document and the tests (never validated per request)."""


# Types of answer fields, as the serializers write them.
DateText = Annotated[str, Field(json_schema_extra={"format": "date"})]


def decimal_text(places: int = 2, *, signed: bool = False, example: str = "62.50"):
    """A decimal string with exactly `places` places ("62.50"), as answers write money."""
    sign = "-?" if signed else ""
    return Annotated[str, Field(pattern=rf"^{sign}\d+\.\d{{{places}}}$", examples=[example])]


T = TypeVar("T")


class Page(Answer, Generic[T]):
    """One page of a list; `total` counts the items over all pages."""

    items: list[T]
    total: Annotated[int, Field(ge=0)]


@dataclass(frozen=True)
class Endpoint:
    """What a view reads and answers; pmsys/api/openapi.py turns it into an operation."""

    summary: str
    description: str
    query: type[Params] | None
    body: type[Input] | None
    answers: dict[int, tuple[str, Any]]
    refusals: dict[int, str]
    public: bool
    tags: tuple[str, ...]
    path: dict[str, str] = field(default_factory=dict)
    upload: str | None = None


def endpoint(*, answers: dict[int, tuple[str, Any]], query: type[Params] | None = None,
             body: type[Input] | None = None, refusals: dict[int, str] | None = None,
             public: bool = False, tags: tuple[str, ...] = (),
             path: dict[str, str] | None = None, find: Callable | None = None,
             checked_by_service: bool = False, upload: str | None = None) -> Callable:
    """Declare a view's inputs and answers; the view receives `query=` and `body=` models.

    `answers`: status → (description, model or None); `refusals`: status → when
    it happens (the error envelope); `path`: path parameter → description.
    `find(**path values)` looks the path's object up first (a 404 comes before a
    400, so a malformed request learns nothing of objects it may not see); the
    view receives it as `found=`. `checked_by_service`: the body model documents
    a body that the service itself checks (a region bundle, listing every problem
    by its path); the view reads it with `json_body()`. `body=NoBody`: none is
    needed, any is ignored; a `Form` body is read from a multipart/form-data request.
    `upload`: the name of the one file of a multipart/form-data body, which the view
    receives as `upload=`.
    """

    def decorate(view: Callable) -> Callable:
        doc = inspect.cleandoc(view.__doc__ or "").split("\n\n", 1)
        spec = Endpoint(summary=doc[0].strip(), description=doc[1].strip() if len(doc) > 1
                        else "", query=query, body=body, answers=answers,
                        refusals=refusals or {}, public=public, tags=tags, path=path or {},
                        upload=upload)

        @wraps(view)
        def wrapper(*args, **kwargs):
            if find is not None:
                kwargs["found"] = find(**kwargs)
            if query is not None:
                kwargs["query"] = parse(query, request.args.to_dict(flat=True), "invalid_filter")
            if body is not None and issubclass(body, Form):
                kwargs["body"] = parse(body, _form(), "invalid_input")
            elif body not in (None, NoBody) and not checked_by_service:
                kwargs["body"] = parse(body, json_body(), "invalid_input")
            if upload is not None:
                kwargs["upload"] = request.files.get(upload)
                if kwargs["upload"] is None:
                    raise InvalidInput(f"send the file as multipart/form-data, named {upload}",
                                       fields={upload: "required"})
            return view(*args, **kwargs)

        wrapper.endpoint_spec = spec
        return wrapper

    return decorate


def _form() -> dict:
    """The request's form fields (one value each) and its files (a list per name)."""
    data: dict = request.form.to_dict(flat=True)
    data.update({name: request.files.getlist(name) for name in request.files})
    return data


def parse(model: type[BaseModel], data: dict, default_code: str):
    """`data` as `model`, or one InvalidInput naming every bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _invalid(model, error, default_code) from None


def _invalid(model: type[BaseModel], error: ValidationError, default_code: str) -> InvalidInput:
    fields: dict[str, str] = {}
    code = None
    for problem in error.errors(include_url=False):
        name, message = _where(problem["loc"]), _message(problem)
        if name != _where(problem["loc"], whole_lists=False):
            message = "every item: " + message
        fields.setdefault(name, message)
        if code is None:
            code = _field_code(model, problem["loc"])
    return InvalidInput("missing or malformed fields", code=code or default_code, fields=fields)


def _where(loc, whole_lists: bool = True) -> str:
    """A field's path as the API writes it: `items[1].kind`; a bad item of a list of
    values is the list's fault (`assets`, not `assets[0]`)."""
    parts = list(loc)
    while whole_lists and len(parts) > 1 and isinstance(parts[-1], int):
        parts.pop()
    name = ""
    for part in parts:
        name += f"[{part}]" if isinstance(part, int) else f".{part}" if name else str(part)
    return name or "body"


def _field_code(model: type[BaseModel], loc) -> str | None:
    if not loc:
        return None
    # A field is named by its alias in the request (`from`), by its name in the model.
    info = next((info for name, info in model.model_fields.items()
                 if loc[0] in (name, info.alias)), None)
    if info is None:
        return None
    for item in info.metadata:
        if isinstance(item, ErrorCode):
            return item.code
    return None


def _message(problem: dict) -> str:
    """A problem in the words the API has always used."""
    kind, context = problem["type"], problem.get("ctx") or {}
    if kind == "missing":
        return "required"
    if kind in ("string_type", "string_too_long", "string_too_short"):
        if "max_length" in context:
            return f"a string of at most {context['max_length']} characters"
        if context.get("min_length"):
            return "must not be empty"
        return "a string"
    if kind == "string_pattern_mismatch":
        return "must not contain a NUL character"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return "a whole number"
    if kind == "greater_than_equal":
        return f"must be at least {context['ge']}"
    if kind == "less_than_equal":
        return f"must be at most {context['le']}"
    if kind == "bool_type":
        return "true or false"
    if kind == "list_type":
        return "a list"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return "an object"
    if kind in ("literal_error", "enum"):
        return "must be one of " + str(context.get("expected", "")).replace("'", "")
    if kind == "value_error":
        return str(context.get("error", problem["msg"]))
    return problem["msg"]

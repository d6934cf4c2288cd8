"""Request bodies: JSON decoded strictly into the handler's `data` type, and the OpenAPI
description of the bodies a handler reads itself.

Litestar's own decoding converts loosely (`"true"` would pass for a boolean) and reports errors
in its own words; `JsonBody` decodes with msgspec in strict mode, as the wire format is
specified, and refuses with a 400 that names the field. A handler declares its body as a typed
`data` parameter, so that the OpenAPI document describes it; `data: T | None = None` takes an
empty body as no body (the handler then uses the defaults).
"""

from __future__ import annotations

import functools
import types
import typing
import weakref
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn

import msgspec
from litestar.dto import AbstractDTO, DTOFieldDefinition
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.types import Empty
from litestar.typing import FieldDefinition
from litestar.utils.typing import make_non_optional_union

from annobatch.domain import INT64_MAX, INT64_MIN, InvalidInput

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator

#: What `errors.validation_error` answers when a handler needs a body and got none.
MISSING_BODY = "the request needs a JSON body"


class JsonBody(AbstractDTO[Any]):
    """Decodes each handler's `data` from JSON into the type it declares (the app's `dto`)."""

    #: The declared type by route handler, found on the handler's first request.
    _types: ClassVar[weakref.WeakKeyDictionary[Any, Any]] = weakref.WeakKeyDictionary()

    @classmethod
    def create_for_field_definition(
        cls, field_definition: FieldDefinition, handler_id: str, backend_cls: Any = None
    ) -> None:
        """Nothing to prepare: no transfer model, the declared type is decoded as it is."""

    @classmethod
    def create_openapi_schema(
        cls, field_definition: FieldDefinition, handler_id: str, schema_creator: SchemaCreator
    ) -> Reference | Schema:
        return schema_creator.for_field_definition(
            FieldDefinition.from_annotation(_declared(field_definition))
        )

    @classmethod
    def generate_field_definitions(cls, model_type: type[Any]) -> Generator[DTOFieldDefinition, None, None]:
        yield from ()  # no transfer model: the declared type is decoded as it is

    @classmethod
    def detect_nested_field(cls, field_definition: FieldDefinition) -> bool:
        return False

    def body_type(self) -> Any:
        """The type this request's body decodes into."""
        handler = self.asgi_connection.route_handler
        found = self._types.get(handler)
        if found is None:
            field = handler.parsed_data_field
            assert field is not None, "a body is decoded only for a handler that declares `data`"
            found = self._types[handler] = _declared(field)
        return found

    def decode_bytes(self, value: bytes) -> Any:
        if not value.strip():
            return Empty  # as if nothing was sent: the handler's default, else "needs a JSON body"
        type_ = self.body_type()
        try:
            decoded = msgspec.json.decode(value, type=type_)
        except msgspec.ValidationError as e:
            raise InvalidInput(f"invalid request body: {_field_message(e)}", "invalid-body") from None
        except msgspec.DecodeError:
            raise InvalidInput("the request body is not valid JSON", "invalid-json") from None
        except RecursionError:  # nested past what the decoder can follow, far past MAX_DEPTH
            raise InvalidInput(
                f"invalid request body: nested deeper than {MAX_DEPTH} levels", "invalid-body"
            ) from None
        if has_free_form(type_):
            check_free_form(decoded)
        return decoded


def _declared(field_definition: FieldDefinition) -> Any:
    """`T` of `data: T` or `data: T | None = None`."""
    if field_definition.is_optional:
        return make_non_optional_union(field_definition.annotation)
    return field_definition.annotation


# ----------------------------------------------------------------------- free-form JSON

#: How deep a request body may nest objects and arrays. A typed body cannot nest deeper than its
#: type; free-form JSON (a calibration's parameters) is held to this, so that what is stored can be
#: encoded and read back.
MAX_DEPTH = 32


@functools.cache
def has_free_form(type_: Any) -> bool:
    """Whether a body of `type_` may carry JSON of any shape (an `Any` somewhere in the type)."""
    if typing.get_origin(type_) in (typing.Union, types.UnionType):  # untagged Structs: one by one
        return any(has_free_form(t) for t in typing.get_args(type_))
    seen: set[type] = set()
    todo = [msgspec.inspect.type_info(type_)]
    while todo:
        info = todo.pop()
        if isinstance(info, msgspec.inspect.AnyType):
            return True
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in seen:
                continue
            seen.add(info.cls)
            todo.extend(f.type for f in info.fields)
        elif isinstance(info, msgspec.inspect.UnionType):
            todo.extend(info.types)
        elif isinstance(info, msgspec.inspect.DictType):
            todo.extend((info.key_type, info.value_type))
        elif isinstance(info, msgspec.inspect.CollectionType):  # lists, sets, tuple[T, ...]
            todo.append(info.item_type)
        elif isinstance(info, msgspec.inspect.TupleType):
            todo.extend(info.item_types)
    return False


def check_free_form(value: Any) -> None:
    """Refuse (400, naming the field) a decoded body that nests deeper than `MAX_DEPTH` or carries
    an integer beyond 64 bits: what its type could not hold to that."""
    todo: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while todo:
        item, path = todo.pop()
        if isinstance(item, bool | float | str) or item is None:
            continue
        if isinstance(item, int):
            if not INT64_MIN <= item <= INT64_MAX:
                _refuse(path, "an integer beyond 64 bits")
            continue
        if len(path) >= MAX_DEPTH:
            _refuse(path, f"nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, msgspec.Struct):
            names = zip(item.__struct_encode_fields__, item.__struct_fields__, strict=True)
            todo.extend((getattr(item, attr), (*path, wire)) for wire, attr in names)
        elif isinstance(item, dict):
            todo.extend((v, (*path, str(k))) for k, v in item.items())
        elif isinstance(item, list | tuple | set | frozenset):
            todo.extend((v, (*path, i)) for i, v in enumerate(item))


def _refuse(path: tuple[str | int, ...], problem: str) -> NoReturn:
    shown = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path[:8]).lstrip(".")
    if len(path) > 8:
        shown += "…"
    where = f"field {shown}" if shown else "the body"
    raise InvalidInput(f"invalid request body: {where}: {problem}", "invalid-body")


def _field_message(e: msgspec.ValidationError) -> str:
    text = str(e)
    if " - at `$." in text:
        msg, _, path = text.partition(" - at `$.")
        return f"field {path.rstrip('`')}: {msg}"
    return text


# ------------------------------------------------------------------------------ OpenAPI


@dataclass
class OptionalBody(Operation):
    """The operation of a handler whose body may be left out (`data: T | None = None`)."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


def body_read_by_handler(media_type: str, schema: Schema) -> type[Operation]:
    """The operation of a handler that reads its body itself (a stream, a form), described as
    `schema` in `media_type`."""

    @dataclass
    class Described(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                content={media_type: OpenAPIMediaType(schema=schema)}, required=True
            )

    return Described


#: Any bytes: what an upload sends.
BINARY = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)

#: A scene description (every frame and file path of a long sequence) may be far larger than an
#: ordinary request; IMU data too.
SCENE_BODY_LIMIT = 64 * 1024 * 1024

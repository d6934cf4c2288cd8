"""Request bodies: JSON decoded strictly into the handler's `data` type, and the OpenAPI
description of the bodies a handler reads itself.

Litestar's own decoding converts loosely (`"true"` would pass for a boolean) and reports errors
in its own words; `JsonBody` decodes with msgspec in strict mode, as the wire format is
specified, and refuses with a 400 that names the field. A handler declares its body as a typed
`data` parameter, so that the OpenAPI document describes it; `data: T | None = None` takes an
empty body as no body (the handler then uses the defaults).
"""

from __future__ import annotations

import weakref
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

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

from annobatch.domain import InvalidInput

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
            return msgspec.json.decode(value, type=type_)
        except msgspec.ValidationError as e:
            raise InvalidInput(f"invalid request body: {_field_message(e)}", "invalid-body") from None
        except msgspec.DecodeError:
            raise InvalidInput("the request body is not valid JSON", "invalid-json") from None


def _declared(field_definition: FieldDefinition) -> Any:
    """`T` of `data: T` or `data: T | None = None`."""
    if field_definition.is_optional:
        return make_non_optional_union(field_definition.annotation)
    return field_definition.annotation


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

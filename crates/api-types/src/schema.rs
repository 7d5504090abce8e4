//! Schemas that state what validation enforces on a name or title (`validate::name` in core), so
//! the document and the server agree: at most `MAX` characters, at least one that is neither
//! white space nor a control character, and no control character anywhere. Used with
//! `#[schema(schema_with = crate::schema::name::<MAX>)]`.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::{RefOr, Schema};

/// No control character (C0, DEL, C1) anywhere, and one visible character somewhere.
pub const NAME_PATTERN: &str = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$";

pub fn name<const MAX: usize>() -> RefOr<Schema> {
    named(SchemaType::Type(Type::String), MAX)
}

/// The same, where `null` (or leaving the field out) keeps the current value.
pub fn optional_name<const MAX: usize>() -> RefOr<Schema> {
    named(SchemaType::from_iter([Type::String, Type::Null]), MAX)
}

fn named(schema_type: SchemaType, max: usize) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(schema_type)
        .min_length(Some(1))
        .max_length(Some(max))
        .pattern(Some(NAME_PATTERN))
        .into()
}

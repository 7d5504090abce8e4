//! Request bodies are JSON objects. serde's derived `Deserialize` also takes a struct as an array
//! of its fields in order (so `[]` would pass for a body of optional fields); the documented
//! contract says object, so an array, string or number is refused as the schema would refuse it.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::web::Json;
use actix_web::{FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};

/// A JSON object body, read as `T`. Errors go through the application's `JsonConfig`.
pub struct JsonBody<T>(pub T);

impl<T> JsonBody<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for JsonBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = Json::<Object<T>>::from_request(req, payload);
        Box::pin(async move { Ok(JsonBody(body.await?.into_inner().0)) })
    }
}

/// `T`, but only from a JSON object.
pub struct Object<T>(pub T);

impl<'de, T: de::Deserialize<'de>> de::Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: de::Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Object)
            }
        }

        deserializer.deserialize_map(ObjectVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, Default)]
    struct Patch {
        #[serde(default)]
        name: Option<String>,
    }

    #[test]
    fn objects_are_read_and_anything_else_is_refused() {
        let read: Object<Patch> = serde_json::from_str(r#"{"name":"Ada"}"#).unwrap();
        assert_eq!(read.0.name.as_deref(), Some("Ada"));
        for other in ["[]", r#"["Ada"]"#, "\"Ada\"", "1", "null"] {
            let refused = serde_json::from_str::<Object<Patch>>(other);
            let err = refused
                .err()
                .unwrap_or_else(|| panic!("{other} was accepted"));
            assert!(err.is_data(), "{other}: {err}");
            assert!(err.to_string().contains("a JSON object"), "{other}: {err}");
        }
        // The value of a free-form body is an object too.
        let value: Object<serde_json::Value> = serde_json::from_str(r#"{"a":[1]}"#).unwrap();
        assert_eq!(value.0["a"][0], 1);
    }
}

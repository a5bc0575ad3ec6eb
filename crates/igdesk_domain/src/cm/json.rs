//! Reading CM.com's JSON: keys are lowercased once, then fields are read by CM.com's
//! spelling so errors can name them as the caller wrote them. `null` and `""` count as
//! absent because CM.com's SDKs fill unused fields with either.

use serde_json::{Map, Value};

pub(super) fn lowercase_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k.to_lowercase(), lowercase_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(lowercase_keys).collect()),
        other => other,
    }
}

pub(super) type Obj = Map<String, Value>;

/// A key's value, `null` counting as absent. `name` is CM.com's spelling.
pub(super) fn get<'a>(o: &'a Obj, name: &str) -> Option<&'a Value> {
    o.get(&name.to_lowercase()).filter(|v| !v.is_null())
}

pub(super) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

/// An optional string field; `""` counts as absent. The error names the field.
pub(super) fn string(o: &Obj, path: &str, name: &str) -> Result<Option<String>, String> {
    match get(o, name) {
        None => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{}: must be a string", join(path, name))),
    }
}

/// An optional array field (absent = empty).
pub(super) fn array<'a>(o: &'a Obj, path: &str, name: &str) -> Result<&'a [Value], String> {
    match get(o, name) {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("{}: must be an array", join(path, name))),
    }
}

pub(super) fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Obj, String> {
    v.as_object()
        .ok_or_else(|| format!("{path}: must be an object"))
}

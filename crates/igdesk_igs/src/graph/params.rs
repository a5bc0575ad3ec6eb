//! A call's parameters, wherever the caller put them: the query string, a
//! form-encoded body (`recipient=<json>&message=<json>`) or a JSON body. Graph
//! merges them, the body winning; form and query values that hold JSON objects
//! (`recipient`, `message`, `payload`) are parsed when read as objects.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::GraphError;

#[derive(Debug, Clone, Default)]
pub(crate) struct Params(BTreeMap<String, Value>);

impl Params {
    /// Merge the query and the body. A body that starts like JSON must be JSON.
    pub fn parse(query: &BTreeMap<String, String>, body: &[u8]) -> Result<Params, GraphError> {
        let mut params: BTreeMap<String, Value> = query
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        let text = String::from_utf8_lossy(body);
        let trimmed = text.trim();
        if trimmed.starts_with('{') {
            let Ok(Value::Object(object)) = serde_json::from_str::<Value>(trimmed) else {
                return Err(GraphError::param("The request body is not valid JSON"));
            };
            params.extend(object);
        } else if !trimmed.is_empty() {
            for (key, value) in form_pairs(trimmed) {
                params.insert(key, Value::String(value));
            }
        }
        Ok(Params(params))
    }

    /// A string parameter (numbers and booleans in JSON bodies read as text).
    pub fn str(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An object parameter, given as a JSON object or as JSON text.
    pub fn object(&self, key: &str) -> Result<Option<Map<String, Value>>, GraphError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(object)) => Ok(Some(object.clone())),
            Some(Value::String(text)) => match serde_json::from_str(text) {
                Ok(Value::Object(object)) => Ok(Some(object)),
                _ => Err(GraphError::param(format!(
                    "Param {key} must be a JSON object"
                ))),
            },
            Some(_) => Err(GraphError::param(format!(
                "Param {key} must be a JSON object"
            ))),
        }
    }
}

impl Params {
    /// A parameter as JSON: JSON bodies keep their arrays and objects; query and
    /// form values that hold JSON text (`fields=["a"]`) are parsed, other text
    /// stays a string.
    pub fn json(&self, key: &str) -> Result<Option<Value>, GraphError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.trim_start().starts_with(['[', '{']) => {
                serde_json::from_str(text)
                    .map(Some)
                    .map_err(|_| GraphError::param(format!("Param {key} must be valid JSON")))
            }
            Some(value) => Ok(Some(value.clone())),
        }
    }

    /// The names of every parameter given.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// `application/x-www-form-urlencoded` pairs, decoded (`+` is a space).
pub(crate) fn form_pairs(text: &str) -> Vec<(String, String)> {
    text.split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)),
            _ => None,
        };
        match (escaped, bytes[i]) {
            (Some((high, low)), _) => {
                // Two hex digits make one byte: always below 256.
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_carry_json_objects() {
        let body = "recipient=%7B%22id%22%3A%221000001%22%7D&message=%7B%22text%22%3A%22ol%C3%A1+tudo%22%7D&messaging_type=RESPONSE&access_token=T";
        let params = Params::parse(&BTreeMap::new(), body.as_bytes()).unwrap();
        assert_eq!(
            params.object("recipient").unwrap().unwrap()["id"],
            "1000001"
        );
        assert_eq!(
            params.object("message").unwrap().unwrap()["text"],
            "olá tudo"
        );
        assert_eq!(params.str("messaging_type").as_deref(), Some("RESPONSE"));
        assert_eq!(params.str("access_token").as_deref(), Some("T"));
        assert!(params.object("messaging_type").is_err());
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }

    #[test]
    fn json_bodies_win_over_the_query() {
        let query = BTreeMap::from([("hide".to_owned(), "false".to_owned())]);
        let params = Params::parse(&query, br#"{"hide":true,"message":{"text":"x"}}"#).unwrap();
        assert_eq!(params.str("hide").as_deref(), Some("true"));
        assert!(Params::parse(&query, b"{broken").is_err());
    }
}

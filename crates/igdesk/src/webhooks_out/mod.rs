//! Webhooks igdesk sends to the Business Messaging API's user, signed the Standard
//! Webhooks way (`webhook-id`, `webhook-timestamp`, `webhook-signature`), so a
//! receiver can check them with any Standard Webhooks library.

pub mod target;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub fn base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    format!("whsec_{}", base64(&crate::crypto::random_bytes(32)))
}

/// The `webhook-signature` header for one message: `v1,` and the base64 HMAC-SHA256
/// of `{id}.{timestamp}.{body}` under the secret (`whsec_` + base64 key). `None`
/// when the secret is not of that form.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!("v1,{}", base64(&mac.finalize().into_bytes())))
}

/// Checks a `webhook-signature` header (space-separated `v1,…` entries) the way a
/// receiver does (the tests check igdesk's webhooks with it).
pub fn verify(secret: &str, id: &str, timestamp: i64, body: &[u8], header: &str) -> bool {
    let Some(expected) = signature(secret, id, timestamp, body) else {
        return false;
    };
    header.split(' ').any(|given| given == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_and_a_changed_body_does_not() {
        let secret = format!("whsec_{}", base64(b"0123456789abcdef0123456789abcdef"));
        let sig = signature(&secret, "msg_1", 1_700_000_000, b"{\"a\":1}").unwrap();
        assert!(sig.starts_with("v1,"));
        assert!(verify(&secret, "msg_1", 1_700_000_000, b"{\"a\":1}", &sig));
        assert!(!verify(&secret, "msg_1", 1_700_000_000, b"{\"a\":2}", &sig));
        assert!(!verify(&secret, "msg_2", 1_700_000_000, b"{\"a\":1}", &sig));
    }

    #[test]
    fn matches_the_standard_webhooks_reference_vector() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }
}

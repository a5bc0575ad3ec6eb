//! `X-Hub-Signature-256` verification (SPEC IN-2).

use hmac::{Hmac, Mac};
use sha2::Sha256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the X-Hub-Signature-256 header is missing")]
    Missing,
    #[error("the X-Hub-Signature-256 header is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("the X-Hub-Signature-256 header does not match the body")]
    Mismatch,
}

/// Checks `header` (`sha256=<hex>`) against an HMAC-SHA256 of the raw `body` under any
/// of `secrets` (Meta's app secret and, for Instagram-Login apps, the Instagram app
/// secret). The comparison is constant-time (`Mac::verify_slice`).
pub fn verify_signature(
    header: Option<&[u8]>,
    body: &[u8],
    secrets: &[&[u8]],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let hex_digest = header
        .strip_prefix(b"sha256=")
        .ok_or(SignatureError::Malformed)?;
    let mut expected = [0u8; 32];
    hex::decode_to_slice(hex_digest, &mut expected).map_err(|_| SignatureError::Malformed)?;
    let matches = secrets.iter().any(|secret| {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any size");
        mac.update(body);
        mac.verify_slice(&expected).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &[u8], body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret).unwrap();
        mac.update(body);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    #[test]
    fn accepts_either_secret_and_refuses_others() {
        let body = br#"{"object":"instagram","entry":[]}"#;
        let a = sign(b"app", body);
        let b = sign(b"instagram", body);
        let secrets: [&[u8]; 2] = [b"app", b"instagram"];
        assert_eq!(verify_signature(Some(a.as_bytes()), body, &secrets), Ok(()));
        assert_eq!(verify_signature(Some(b.as_bytes()), body, &secrets), Ok(()));
        let c = sign(b"other", body);
        assert_eq!(
            verify_signature(Some(c.as_bytes()), body, &secrets),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn uppercase_hex_is_accepted_and_garbage_is_malformed() {
        let body = b"{}";
        let sig = sign(b"s", body)
            .to_uppercase()
            .replacen("SHA256", "sha256", 1);
        assert_eq!(
            verify_signature(Some(sig.as_bytes()), body, &[b"s"]),
            Ok(())
        );
        assert_eq!(
            verify_signature(Some(b"sha1=abc"), body, &[b"s"]),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(None, body, &[b"s"]),
            Err(SignatureError::Missing)
        );
    }

    #[test]
    fn a_changed_body_does_not_verify() {
        let sig = sign(b"s", b"{\"a\":1}");
        assert_eq!(
            verify_signature(Some(sig.as_bytes()), b"{\"a\":2}", &[b"s"]),
            Err(SignatureError::Mismatch)
        );
    }
}

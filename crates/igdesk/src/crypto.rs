//! Secrets at rest: access tokens encrypted (ChaCha20-Poly1305 under
//! `IGDESK_SECRET_KEY`), API tokens hashed (SHA-256: they are 256 random bits, so a
//! slow hash adds nothing but latency to every request), passwords hashed with
//! argon2id (people choose them, so the hash must be slow).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("a stored token cannot be decrypted: was IGDESK_SECRET_KEY changed?")]
    Unseal,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Encrypts and decrypts stored access tokens.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

const SEALED_PREFIX: &str = "v1:";

impl Sealer {
    /// The key is derived from the configured secret (any string of 32+ characters).
    pub fn new(secret_key: &SecretString) -> Self {
        let key = Sha256::digest(secret_key.expose_secret().as_bytes());
        Self {
            cipher: ChaCha20Poly1305::new(&key),
        }
    }

    pub fn seal(&self, plaintext: &SecretString) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext.expose_secret().as_bytes())
            .expect("encryption of a short token cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", hex::encode(blob))
    }

    pub fn unseal(&self, sealed: &str) -> Result<SecretString, CryptoError> {
        let blob = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|h| hex::decode(h).ok())
            .filter(|b| b.len() > 12)
            .ok_or(CryptoError::Unseal)?;
        let (nonce, ciphertext) = blob.split_at(12);
        let plain = self
            .cipher
            .decrypt(nonce.into(), ciphertext)
            .map_err(|_| CryptoError::Unseal)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Unseal)
    }
}

/// A new personal API token, shown once: `igd_` and 64 hex digits.
pub fn new_api_token() -> SecretString {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    SecretString::from(format!("igd_{}", hex::encode(bytes)))
}

/// A new product token for the Business Messaging API, shown once. CM.com's tokens
/// are UUIDs (with hyphens), and CM.com's client libraries expect that shape.
pub fn new_product_token() -> SecretString {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    // Version 4 (random), RFC 4122 variant.
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    SecretString::from(format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    ))
}

/// Whether `token` has the shape of a product token (a UUID).
pub fn looks_like_product_token(token: &str) -> bool {
    let parts: Vec<&str> = token.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether two secrets are equal, compared without stopping at the first difference,
/// so the time taken says nothing about how much of a guess was right.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn hash_password(password: &SecretString) -> Result<String, CryptoError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CryptoError::Hash(e.to_string()))
}

pub fn verify_password(password: &SecretString, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Random bytes for generated secrets.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    rand::thread_rng().fill_bytes(&mut buf);
    buf
}

/// A random string for generated secrets (demo settings, verify tokens).
pub fn random_hex(bytes: usize) -> String {
    hex::encode(random_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_tokens_round_trip_and_do_not_show_the_token() {
        let sealer = Sealer::new(&SecretString::from("k".repeat(32)));
        let sealed = sealer.seal(&SecretString::from("EAAB-page-token".to_string()));
        assert!(!sealed.contains("EAAB"));
        assert_eq!(
            sealer.unseal(&sealed).unwrap().expose_secret(),
            "EAAB-page-token"
        );
        let other = Sealer::new(&SecretString::from("x".repeat(32)));
        assert!(other.unseal(&sealed).is_err());
        assert!(sealer.unseal("v1:zz").is_err());
    }

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password(&SecretString::from("correct horse".to_string())).unwrap();
        assert!(verify_password(
            &SecretString::from("correct horse".to_string()),
            &hash
        ));
        assert!(!verify_password(
            &SecretString::from("wrong".to_string()),
            &hash
        ));
    }

    #[test]
    fn api_tokens_are_long_and_hash_stably() {
        let t = new_api_token();
        assert_eq!(t.expose_secret().len(), 68);
        assert_eq!(hash_token(t.expose_secret()), hash_token(t.expose_secret()));
    }
}

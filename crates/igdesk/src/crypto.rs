//! Secrets at rest: access tokens encrypted (ChaCha20-Poly1305 under a key derived
//! from `IGDESK_SECRET_KEY` with HKDF, each bound to its account), API tokens hashed (SHA-256: they are 256 random bits, so a
//! slow hash adds nothing but latency to every request), passwords hashed with
//! argon2id (people choose them, so the hash must be slow).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, Payload};
use chacha20poly1305::ChaCha20Poly1305;
use hkdf::Hkdf;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "a stored token cannot be decrypted: was IGDESK_SECRET_KEY changed, or the value \
         copied from another account?"
    )]
    Unseal,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

/// Encrypts and decrypts secrets kept in the store (Meta's access tokens, the API's
/// webhook signing secrets) and in cookies (flash messages).
///
/// Format `v2:` + hex(nonce ‖ ciphertext): ChaCha20-Poly1305 under a key derived
/// with HKDF-SHA256 from `IGDESK_SECRET_KEY`, and associated data saying what the
/// value is for. An account's token is bound to that account's Instagram id, so a
/// sealed token copied into another account's row does not open. `v1:` values (a
/// bare SHA-256 of the secret as key, nothing bound) still open; the accounts'
/// tokens among them are re-sealed at start-up (`reseal_account_tokens`).
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
    legacy: ChaCha20Poly1305,
}

const SEALED_PREFIX: &str = "v2:";
const LEGACY_PREFIX: &str = "v1:";
/// HKDF's salt and info: fixed, since the input is already a secret of 32+
/// characters; they keep this key apart from any other use of the same secret.
const KDF_SALT: &[u8] = b"igdesk sealing key";
const KDF_INFO: &[u8] = b"igdesk v2 chacha20poly1305";
/// Associated data of values not bound to an account (cookies, webhook secrets).
const GENERAL: &[u8] = b"igdesk sealed value";

impl Sealer {
    /// The key is derived from the configured secret (any string of 32+ characters).
    pub fn new(secret_key: &SecretString) -> Self {
        let secret = secret_key.expose_secret().as_bytes();
        let mut key = [0u8; 32];
        Hkdf::<Sha256>::new(Some(KDF_SALT), secret)
            .expand(KDF_INFO, &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        let sealer = Self {
            cipher: ChaCha20Poly1305::new(&key.into()),
            legacy: ChaCha20Poly1305::new(&Sha256::digest(secret)),
        };
        key.fill(0);
        sealer
    }

    /// Seals a value that belongs to no account.
    pub fn seal(&self, plaintext: &SecretString) -> String {
        self.seal_with(plaintext, GENERAL)
    }

    pub fn unseal(&self, sealed: &str) -> Result<SecretString, CryptoError> {
        self.unseal_with(sealed, GENERAL)
    }

    /// Seals an account's Meta access token, bound to the account's Instagram id.
    pub fn seal_token(&self, ig_id: &str, token: &SecretString) -> String {
        self.seal_with(token, &token_aad(ig_id))
    }

    /// Opens the token of the account with this Instagram id: a token sealed for
    /// another account fails as a wrong key does.
    pub fn unseal_token(&self, ig_id: &str, sealed: &str) -> Result<SecretString, CryptoError> {
        self.unseal_with(sealed, &token_aad(ig_id))
    }

    /// Whether a stored value is in the old format, to be sealed again.
    pub fn is_legacy(sealed: &str) -> bool {
        sealed.starts_with(LEGACY_PREFIX)
    }

    fn seal_with(&self, plaintext: &SecretString, aad: &[u8]) -> String {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let msg = Payload {
            msg: plaintext.expose_secret().as_bytes(),
            aad,
        };
        let ciphertext = self
            .cipher
            .encrypt(&nonce, msg)
            .expect("encryption of a short token cannot fail");
        let mut blob = nonce.to_vec();
        blob.extend_from_slice(&ciphertext);
        format!("{SEALED_PREFIX}{}", hex::encode(blob))
    }

    fn unseal_with(&self, sealed: &str, aad: &[u8]) -> Result<SecretString, CryptoError> {
        let (cipher, hex_blob, aad) = if let Some(h) = sealed.strip_prefix(SEALED_PREFIX) {
            (&self.cipher, h, aad)
        } else if let Some(h) = sealed.strip_prefix(LEGACY_PREFIX) {
            (&self.legacy, h, &[][..])
        } else {
            return Err(CryptoError::Unseal);
        };
        let blob = hex::decode(hex_blob)
            .ok()
            .filter(|b| b.len() > 12)
            .ok_or(CryptoError::Unseal)?;
        let (nonce, msg) = blob.split_at(12);
        let plain = cipher
            .decrypt(nonce.into(), Payload { msg, aad })
            .map_err(|_| CryptoError::Unseal)?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| CryptoError::Unseal)
    }
}

fn token_aad(ig_id: &str) -> Vec<u8> {
    [b"igdesk account token ".as_slice(), ig_id.as_bytes()].concat()
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
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
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

    /// What igdesk wrote before tokens were bound to accounts: SHA-256 of the secret as the key, no
    /// associated data.
    fn legacy_seal(secret: &str, token: &str) -> String {
        let cipher = ChaCha20Poly1305::new(&Sha256::digest(secret.as_bytes()));
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let mut blob = nonce.to_vec();
        blob.extend(cipher.encrypt(&nonce, token.as_bytes()).unwrap());
        format!("v1:{}", hex::encode(blob))
    }

    #[test]
    fn a_token_sealed_for_one_account_does_not_open_for_another() {
        let sealer = Sealer::new(&SecretString::from("k".repeat(32)));
        let token = SecretString::from("EAAB-page-token".to_string());
        let sealed = sealer.seal_token("17841400000000001", &token);
        assert!(sealed.starts_with("v2:") && !sealed.contains("EAAB"));
        assert_eq!(
            sealer
                .unseal_token("17841400000000001", &sealed)
                .unwrap()
                .expose_secret(),
            "EAAB-page-token"
        );
        assert!(sealer.unseal_token("17841400000000002", &sealed).is_err());
        // Nor as a value of another kind, nor the other way round.
        assert!(sealer.unseal(&sealed).is_err());
        let general = sealer.seal(&token);
        assert!(sealer.unseal_token("17841400000000001", &general).is_err());
    }

    #[test]
    fn the_key_is_derived_and_a_wrong_one_fails_clearly() {
        let secret = "k".repeat(32);
        let sealer = Sealer::new(&SecretString::from(secret.clone()));
        let sealed = sealer.seal_token("1", &SecretString::from("EAAB-t".to_string()));
        let wrong = Sealer::new(&SecretString::from("w".repeat(32)));
        let err = wrong.unseal_token("1", &sealed).unwrap_err();
        assert!(err.to_string().contains("IGDESK_SECRET_KEY"), "{err}");
        // Not the old key: the bare SHA-256 of the secret no longer opens new values.
        let old_key = ChaCha20Poly1305::new(&Sha256::digest(secret.as_bytes()));
        let blob = hex::decode(sealed.strip_prefix("v2:").unwrap()).unwrap();
        let (nonce, ciphertext) = blob.split_at(12);
        assert!(old_key.decrypt(nonce.into(), ciphertext).is_err());
    }

    #[test]
    fn old_values_still_open() {
        let secret = "k".repeat(32);
        let sealer = Sealer::new(&SecretString::from(secret.clone()));
        let old = legacy_seal(&secret, "EAAB-old");
        assert!(Sealer::is_legacy(&old));
        assert_eq!(
            sealer.unseal_token("1", &old).unwrap().expose_secret(),
            "EAAB-old"
        );
        assert_eq!(sealer.unseal(&old).unwrap().expose_secret(), "EAAB-old");
        assert!(!Sealer::is_legacy(
            &sealer.seal_token("1", &SecretString::from("x".to_string()))
        ));
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

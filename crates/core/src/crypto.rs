//! Secrets at rest: AES-256-GCM with a random 96-bit nonce per encryption and associated data that
//! binds each ciphertext to its row and field, so a ciphertext copied to another row or column
//! fails to decrypt. Each stored value names its key id (`k1:…`), so keys can be rotated; a value
//! naming a key Stint does not have is an error, never a silent fallback.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::config::EncryptionKey;
use stint_connectors::Secret;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("stored secret names key `{0}`, which is not in STINT_SECRET_KEYS")]
    UnknownKey(String),
    #[error("stored secret is malformed")]
    Malformed,
    #[error("stored secret does not decrypt: wrong key, or it was moved from another record")]
    Undecryptable,
    #[error("the key ring is empty")]
    NoKeys,
}

/// Where a ciphertext belongs: table, row and field. Part of the authenticated data.
#[derive(Debug, Clone, Copy)]
pub struct SecretSlot<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub field: &'a str,
}

impl SecretSlot<'_> {
    fn aad(&self) -> String {
        format!("stint:{}:{}:{}", self.table, self.row, self.field)
    }
}

pub struct KeyRing {
    /// The first key encrypts; all keys decrypt.
    keys: Vec<(String, LessSafeKey)>,
}

impl KeyRing {
    pub fn new(keys: &[EncryptionKey]) -> Result<Self, CryptoError> {
        let keys = keys
            .iter()
            .map(|k| {
                let unbound =
                    UnboundKey::new(&AES_256_GCM, &k.key).map_err(|_| CryptoError::Malformed)?;
                Ok((k.id.clone(), LessSafeKey::new(unbound)))
            })
            .collect::<Result<Vec<_>, CryptoError>>()?;
        if keys.is_empty() {
            return Err(CryptoError::NoKeys);
        }
        Ok(KeyRing { keys })
    }

    pub fn active_key_id(&self) -> &str {
        self.keys
            .first()
            .map(|(id, _)| id.as_str())
            .unwrap_or_default()
    }

    pub fn has_key(&self, id: &str) -> bool {
        self.keys.iter().any(|(k, _)| k == id)
    }

    /// `keyid:base64url(nonce ‖ ciphertext ‖ tag)`.
    pub fn encrypt(&self, plaintext: &str, slot: SecretSlot<'_>) -> Result<String, CryptoError> {
        let (id, key) = self.keys.first().ok_or(CryptoError::NoKeys)?;
        let nonce_bytes = crate::secret::random_bytes::<NONCE_LEN>();
        let nonce = Nonce::assume_unique_for_key(nonce_bytes);
        let mut buffer = plaintext.as_bytes().to_vec();
        key.seal_in_place_append_tag(nonce, Aad::from(slot.aad().as_bytes()), &mut buffer)
            .map_err(|_| CryptoError::Malformed)?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + buffer.len());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&buffer);
        Ok(format!("{id}:{}", URL_SAFE_NO_PAD.encode(sealed)))
    }

    pub fn decrypt(&self, stored: &str, slot: SecretSlot<'_>) -> Result<Secret, CryptoError> {
        let (id, encoded) = stored.split_once(':').ok_or(CryptoError::Malformed)?;
        let key = self
            .keys
            .iter()
            .find(|(k, _)| k == id)
            .map(|(_, key)| key)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))?;
        let mut sealed = URL_SAFE_NO_PAD
            .decode(encoded)
            .map_err(|_| CryptoError::Malformed)?;
        if sealed.len() < NONCE_LEN + AES_256_GCM.tag_len() {
            return Err(CryptoError::Malformed);
        }
        let mut ciphertext = sealed.split_off(NONCE_LEN);
        let nonce =
            Nonce::try_assume_unique_for_key(&sealed).map_err(|_| CryptoError::Malformed)?;
        let plaintext = key
            .open_in_place(nonce, Aad::from(slot.aad().as_bytes()), &mut ciphertext)
            .map_err(|_| CryptoError::Undecryptable)?;
        let text = String::from_utf8(plaintext.to_vec()).map_err(|_| CryptoError::Malformed)?;
        Ok(Secret::new(text))
    }

    /// The key id a stored value names, if it looks like a ciphertext.
    pub fn key_id_of(stored: &str) -> Option<&str> {
        stored.split_once(':').map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(ids: &[(&str, u8)]) -> KeyRing {
        let keys: Vec<EncryptionKey> = ids
            .iter()
            .map(|(id, b)| EncryptionKey {
                id: (*id).to_owned(),
                key: [*b; 32],
            })
            .collect();
        KeyRing::new(&keys).unwrap()
    }

    const SLOT: SecretSlot<'static> = SecretSlot {
        table: "credentials",
        row: "row-1",
        field: "access_token",
    };

    #[test]
    fn round_trip_with_fresh_nonces() {
        let ring = ring(&[("k1", 1)]);
        let a = ring.encrypt("gho_secret_token", SLOT).unwrap();
        let b = ring.encrypt("gho_secret_token", SLOT).unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("k1:"));
        assert!(!a.contains("gho_secret_token"));
        assert_eq!(ring.decrypt(&a, SLOT).unwrap().expose(), "gho_secret_token");
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_field_fails() {
        let ring = ring(&[("k1", 1)]);
        let sealed = ring.encrypt("token", SLOT).unwrap();
        let other_row = SecretSlot {
            row: "row-2",
            ..SLOT
        };
        let other_field = SecretSlot {
            field: "refresh_token",
            ..SLOT
        };
        assert_eq!(
            ring.decrypt(&sealed, other_row).unwrap_err(),
            CryptoError::Undecryptable
        );
        assert_eq!(
            ring.decrypt(&sealed, other_field).unwrap_err(),
            CryptoError::Undecryptable
        );
    }

    #[test]
    fn old_keys_decrypt_and_unknown_keys_are_refused() {
        let old = ring(&[("k1", 1)]);
        let sealed = old.encrypt("token", SLOT).unwrap();
        let rotated = ring(&[("k2", 2), ("k1", 1)]);
        assert_eq!(rotated.decrypt(&sealed, SLOT).unwrap().expose(), "token");
        assert!(rotated.encrypt("token", SLOT).unwrap().starts_with("k2:"));
        let without = ring(&[("k2", 2)]);
        assert_eq!(
            without.decrypt(&sealed, SLOT).unwrap_err(),
            CryptoError::UnknownKey("k1".to_owned())
        );
    }

    #[test]
    fn tampering_is_detected() {
        let ring = ring(&[("k1", 1)]);
        let sealed = ring.encrypt("token", SLOT).unwrap();
        let mut bytes = sealed.into_bytes();
        let last = bytes.len() - 1;
        bytes[last] = if bytes[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert!(ring.decrypt(&tampered, SLOT).is_err());
        assert_eq!(
            ring.decrypt("k1:@@", SLOT).unwrap_err(),
            CryptoError::Malformed
        );
        assert_eq!(
            ring.decrypt("nokey", SLOT).unwrap_err(),
            CryptoError::Malformed
        );
    }
}

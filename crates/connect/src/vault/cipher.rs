//! The one AEAD the vault uses (XChaCha20-Poly1305), the random-byte source, and the
//! unambiguous encoding of associated data. Everything cryptographic in the vault
//! goes through these few functions.

use chacha20poly1305::aead::{Aead, Generate, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use zeroize::{Zeroize, Zeroizing};

use super::VaultError;

/// Length of every vault key (master and data keys), in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an XChaCha20-Poly1305 nonce, in bytes.
pub const NONCE_LEN: usize = 24;

/// Raw key material, zeroed when dropped.
pub(crate) type KeyBytes = Zeroizing<[u8; KEY_LEN]>;

/// Fresh random key material from the operating system's CSPRNG.
pub(crate) fn random_key() -> Result<KeyBytes, VaultError> {
    let mut generated = Key::try_generate().map_err(|_| VaultError::Random)?;
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    key.copy_from_slice(generated.as_slice());
    generated.as_mut_slice().zeroize();
    Ok(key)
}

/// Encrypts `plaintext` under `key` with a fresh random nonce, authenticating `aad`.
/// Returns the nonce and the ciphertext (with its 16-byte tag appended).
pub(crate) fn encrypt(
    key: &KeyBytes,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>), VaultError> {
    let cipher = cipher_for(key)?;
    let nonce = XNonce::try_generate().map_err(|_| VaultError::Random)?;
    let ciphertext = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Encrypt)?;
    let mut nonce_bytes = [0u8; NONCE_LEN];
    nonce_bytes.copy_from_slice(nonce.as_slice());
    Ok((nonce_bytes, ciphertext))
}

/// Decrypts and authenticates. `None` means the ciphertext, nonce, key or associated
/// data do not match; the AEAD deliberately does not say which, and neither do we.
pub(crate) fn decrypt(
    key: &KeyBytes,
    aad: &[u8],
    nonce: &[u8; NONCE_LEN],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let cipher = cipher_for(key).ok()?;
    let nonce = XNonce::from(*nonce);
    cipher
        .decrypt(
            &nonce,
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

fn cipher_for(key: &KeyBytes) -> Result<XChaCha20Poly1305, VaultError> {
    // `new_from_slice` avoids an unzeroed stack copy of the key that `Key::from`
    // would make; the length is fixed by the type, so the error cannot occur.
    XChaCha20Poly1305::new_from_slice(key.as_slice()).map_err(|_| VaultError::Encrypt)
}

/// Encodes associated data as a sequence of length-prefixed parts, so that distinct
/// part lists never encode to the same bytes (`["a|b", "c"]` vs `["a", "b|c"]`).
pub(crate) fn associated_data(parts: &[&str]) -> Vec<u8> {
    let capacity = parts.iter().map(|part| 8 + part.len()).sum();
    let mut aad = Vec::with_capacity(capacity);
    for part in parts {
        aad.extend_from_slice(&(part.len() as u64).to_be_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn associated_data_keeps_part_boundaries() {
        assert_ne!(
            associated_data(&["a|b", "c"]),
            associated_data(&["a", "b|c"])
        );
        assert_ne!(associated_data(&["ab", ""]), associated_data(&["a", "b"]));
    }

    #[test]
    fn encrypt_then_decrypt_round_trips_and_wrong_aad_fails() {
        let key = random_key().expect("random key");
        let (nonce, ciphertext) = encrypt(&key, b"aad", b"hello").expect("encrypts");
        let plaintext = decrypt(&key, b"aad", &nonce, &ciphertext).expect("decrypts");
        assert_eq!(plaintext.as_slice(), b"hello");
        assert!(decrypt(&key, b"other", &nonce, &ciphertext).is_none());
    }

    #[test]
    fn two_encryptions_of_the_same_value_use_different_nonces() {
        let key = random_key().expect("random key");
        let (first_nonce, first) = encrypt(&key, b"", b"same").expect("encrypts");
        let (second_nonce, second) = encrypt(&key, b"", b"same").expect("encrypts");
        assert_ne!(first_nonce, second_nonce);
        assert_ne!(first, second);
    }

    #[test]
    fn random_keys_differ() {
        let first = random_key().expect("random key");
        let second = random_key().expect("random key");
        assert_ne!(first.as_slice(), second.as_slice());
    }
}

//! Opaque author ids: what the API shows in place of an author's Cognito `sub`.
//!
//! A `sub` is the account's permanent id: shown beside every post it would link a
//! person across renames and hand anyone the handle Cognito's own APIs take. So the
//! board shows each author as the AES-256-GCM-SIV encryption of their `sub` under a key
//! of its own, with a fixed nonce. GCM-SIV is built for exactly this (RFC 8452, section
//! 9): a repeated nonce reveals only that two plaintexts are equal, so one person
//! always gets the same id, ids reveal nothing else, and one forged or altered is
//! refused. The backend turns an id back into the `sub` (a moderator suspending "this
//! author"), so no table maps one to the other.
//!
//! The key is 32 random bytes the board makes the first time it needs one and keeps in
//! the people table (`board#author-id-key`), read once per process; whoever can read
//! that table can read the `sub`s anyway.

use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM_SIV, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::schema::PEOPLE_KEY;
use super::{Store, StoreError, string, unless_refused};

/// The people table's item holding the key.
const KEY_ITEM: &str = "board#author-id-key";
const KEY_LEN: usize = 32;
/// Binds ids to their use: the same key could never make an id of something else.
const AAD: &[u8] = b"board author id v1";
/// The first plaintext byte: how the rest holds the `sub`.
const UUID_FORM: u8 = 0;
const TEXT_FORM: u8 = 1;

/// Turns `sub`s into author ids and back.
pub struct AuthorIds {
    key: LessSafeKey,
}

impl std::fmt::Debug for AuthorIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuthorIds(..)")
    }
}

impl AuthorIds {
    /// The ids made with `key` (32 bytes).
    pub fn new(key: &[u8]) -> Result<Self, StoreError> {
        let key = UnboundKey::new(&AES_256_GCM_SIV, key)
            .map_err(|_| StoreError::Corrupt("the author id key is not 32 bytes".into()))?;
        Ok(Self {
            key: LessSafeKey::new(key),
        })
    }

    /// `sub`'s author id: 44 characters for a Cognito `sub` (a UUID, packed into its 16
    /// bytes), longer for any other text.
    pub fn id(&self, sub: &str) -> String {
        let mut data = match uuid::Uuid::try_parse(sub) {
            Ok(uuid) if uuid.hyphenated().to_string() == sub => {
                let mut data = vec![UUID_FORM];
                data.extend_from_slice(uuid.as_bytes());
                data
            }
            _ => {
                let mut data = vec![TEXT_FORM];
                data.extend_from_slice(sub.as_bytes());
                data
            }
        };
        // Sealing only fails past GCM-SIV's length limit (2^36 bytes); a `sub` is a
        // token claim far below it. The id stays opaque either way.
        if self
            .key
            .seal_in_place_append_tag(nonce(), Aad::from(AAD), &mut data)
            .is_err()
        {
            data.clear();
        }
        URL_SAFE_NO_PAD.encode(data)
    }

    /// The `sub` behind `id`, or `None` for anything this key did not make.
    pub fn sub(&self, id: &str) -> Option<String> {
        let mut data = URL_SAFE_NO_PAD.decode(id).ok()?;
        let plain = self
            .key
            .open_in_place(nonce(), Aad::from(AAD), &mut data)
            .ok()?;
        match plain.split_first()? {
            (&UUID_FORM, bytes) => {
                Some(uuid::Uuid::from_slice(bytes).ok()?.hyphenated().to_string())
            }
            (&TEXT_FORM, bytes) => String::from_utf8(bytes.to_vec()).ok(),
            _ => None,
        }
    }
}

/// The one nonce: deterministic ids are the point (see the module's documentation).
fn nonce() -> Nonce {
    Nonce::assume_unique_for_key([0; 12])
}

impl Store {
    /// The board's author ids, from the key in the people table: made (once, by a
    /// conditional write, whoever gets there first) when there is none yet.
    pub async fn author_ids(&self) -> Result<Arc<AuthorIds>, StoreError> {
        self.author_ids
            .get_or_try_init(|| async {
                if let Some(key) = self.author_id_key().await? {
                    return AuthorIds::new(&key).map(Arc::new);
                }
                let mut key = [0u8; KEY_LEN];
                aws_lc_rs::rand::fill(&mut key).map_err(|_| {
                    StoreError::Corrupt("no random bytes for the author id key".into())
                })?;
                let put = self
                    .client
                    .put_item()
                    .table_name(&self.people)
                    .item(PEOPLE_KEY, string(KEY_ITEM))
                    .item("key", AttributeValue::B(Blob::new(key.to_vec())))
                    .condition_expression("attribute_not_exists(#pk)")
                    .expression_attribute_names("#pk", PEOPLE_KEY)
                    .send()
                    .await;
                unless_refused(put)?;
                // Another process may have written its key first: the stored one counts.
                let key = self
                    .author_id_key()
                    .await?
                    .ok_or(StoreError::Corrupt("the author id key vanished".into()))?;
                AuthorIds::new(&key).map(Arc::new)
            })
            .await
            .cloned()
    }

    async fn author_id_key(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.people)
            .key(PEOPLE_KEY, string(KEY_ITEM))
            .consistent_read(true)
            .send()
            .await?;
        match out.item.as_ref().and_then(|item| item.get("key")) {
            None => Ok(None),
            Some(AttributeValue::B(key)) => Ok(Some(key.as_ref().to_vec())),
            Some(_) => Err(StoreError::Corrupt(
                "the author id key is not binary".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(byte: u8) -> AuthorIds {
        AuthorIds::new(&[byte; KEY_LEN]).expect("a 32-byte key")
    }

    #[test]
    fn a_cognito_sub_gets_a_short_stable_id_that_reads_back() {
        let ids = ids(7);
        let sub = "3f1c2a4e-9b7d-4c1e-8f0a-2b3c4d5e6f70";
        let id = ids.id(sub);
        assert_eq!(id.len(), 44);
        assert_eq!(ids.id(sub), id, "one person, one id");
        assert!(!id.contains(&sub[..8]));
        assert_eq!(ids.sub(&id).as_deref(), Some(sub));
    }

    #[test]
    fn any_other_sub_reads_back_too() {
        let ids = ids(7);
        for sub in [
            "user-1",
            "3F1C2A4E-9B7D-4C1E-8F0A-2B3C4D5E6F70",
            "",
            "한국어",
        ] {
            assert_eq!(ids.sub(&ids.id(sub)).as_deref(), Some(sub), "{sub:?}");
        }
    }

    #[test]
    fn different_people_and_different_boards_get_different_ids() {
        let sub = "3f1c2a4e-9b7d-4c1e-8f0a-2b3c4d5e6f70";
        let other = "3f1c2a4e-9b7d-4c1e-8f0a-2b3c4d5e6f71";
        assert_ne!(ids(7).id(sub), ids(7).id(other));
        assert_ne!(ids(7).id(sub), ids(8).id(sub));
        assert_eq!(
            ids(8).sub(&ids(7).id(sub)),
            None,
            "another board's key refuses it"
        );
    }

    #[test]
    fn an_altered_or_made_up_id_means_nobody() {
        let ids = ids(7);
        let id = ids.id("3f1c2a4e-9b7d-4c1e-8f0a-2b3c4d5e6f70");
        let mut altered = id.clone().into_bytes();
        altered[10] = if altered[10] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).expect("ascii");
        assert_eq!(ids.sub(&altered), None);
        for made_up in ["", "x", "not base64!", &id[..43], &format!("{id}AA")] {
            assert_eq!(ids.sub(made_up), None, "{made_up:?}");
        }
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert!(AuthorIds::new(&[1; 16]).is_err());
    }
}

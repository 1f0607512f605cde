//! The public moderation log: every moderator action, in the comments table's
//! partition `log`, sorted `<timestamp>#<random>` so one Query reads it newest first.
//!
//! An entry is written in the same transaction as the action it records, so an
//! action is in the log exactly once: never an action without its entry, never an
//! entry for an action that did not happen. It names what was acted on by its id and
//! nothing else: never its title or words, which a removal took away. It is kept
//! [`KEPT_DAYS`] days (DynamoDB's time to live removes it after).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};
use shared::{ActionKind, LogEntry, LogPage};

use super::schema::{THREAD_KEY, THREAD_SORT, TTL_ATTR};
use super::{Store, StoreError, build_error, from_maps, string, to_map};

/// How long an entry is kept: over a year, so a year of decisions can be reviewed.
pub const KEPT_DAYS: u64 = 400;
/// The log's partition.
const PARTITION: &str = "log";
/// The most words of a comment an entry names it by.
const FIRST_WORDS: usize = 8;
/// The most characters of a title or first words an entry keeps.
const TITLE_CHARS: usize = 60;

/// An entry as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Item {
    pk: String,
    sk: String,
    #[serde(flatten)]
    entry: LogEntry,
    expires_at: u64,
}

/// What names a comment in the log and the queue: its first few words, never more.
pub fn first_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut out = words
        .iter()
        .take(FIRST_WORDS)
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    if words.len() > FIRST_WORDS {
        out.push('…');
    }
    crate::error::clip(&out, TITLE_CHARS)
}

/// A title as the log names it: cut to [`TITLE_CHARS`] characters.
pub fn short_title(title: &str) -> String {
    crate::error::clip(title, TITLE_CHARS)
}

/// An entry to record: who did what to whom, and why.
#[derive(Debug, Clone)]
pub struct Action {
    pub kind: ActionKind,
    pub moderator: String,
    pub target: Option<String>,
    pub person: Option<String>,
    pub reason: Option<String>,
    pub until: Option<String>,
}

impl Store {
    /// The write that records `action` now, for the action's own transaction.
    pub(super) fn log_write(&self, action: Action) -> Result<TransactWriteItem, StoreError> {
        let at = self.now();
        let random = uuid::Uuid::new_v4().simple().to_string();
        let item = Item {
            pk: PARTITION.to_owned(),
            sk: format!("{at}#{}", &random[..8]),
            entry: LogEntry {
                kind: action.kind,
                moderator: action.moderator,
                target: action.target,
                person: action.person,
                reason: action.reason,
                until: action.until,
                at,
            },
            expires_at: self.epoch() + KEPT_DAYS * 24 * 60 * 60,
        };
        let put = Put::builder()
            .table_name(&self.comments)
            .set_item(Some(to_map(&item)?))
            .condition_expression("attribute_not_exists(#sk)")
            .expression_attribute_names("#sk", THREAD_SORT)
            .build()
            .map_err(build_error)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One page of the log, newest first, after `cursor` (a previous page's last).
    pub async fn log(&self, limit: u32, cursor: Option<&str>) -> Result<LogPage, StoreError> {
        let start = match cursor {
            Some(after) => {
                let sk = super::cursor::decode_key(after)
                    .filter(|k| k.len() == 24 + 1 + 8 && k.as_bytes()[24] == b'#')
                    .ok_or(StoreError::BadCursor)?;
                Some(HashMap::from([
                    (THREAD_KEY.to_owned(), string(PARTITION)),
                    (THREAD_SORT.to_owned(), string(sk)),
                ]))
            }
            None => None,
        };
        let out = self
            .client
            .query()
            .table_name(&self.comments)
            .key_condition_expression("#pk = :pk")
            .filter_expression("#ttl > :now")
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_names("#ttl", TTL_ATTR)
            .expression_attribute_values(":pk", string(PARTITION))
            .expression_attribute_values(":now", AttributeValue::N(self.epoch().to_string()))
            .scan_index_forward(false)
            .limit(limit.saturating_add(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        let mut items: Vec<Item> = from_maps(out.items)?;
        let next_cursor = super::cursor::cut_page(
            &mut items,
            limit,
            out.last_evaluated_key.is_some(),
            |last| Ok::<_, StoreError>(last.sk.clone()),
        )?;
        Ok(LogPage {
            entries: items.into_iter().map(|i| i.entry).collect(),
            next_cursor,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_is_named_by_its_first_words_only() {
        assert_eq!(first_words("buy  cheap\npills"), "buy cheap pills");
        assert_eq!(
            first_words("one two three four five six seven eight nine ten"),
            "one two three four five six seven eight…"
        );
        assert_eq!(first_words(&"가".repeat(300)).chars().count(), TITLE_CHARS);
    }
}

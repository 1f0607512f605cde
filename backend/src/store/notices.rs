//! Notices: someone commented on your post or replied to your comment.
//!
//! Each is written in the transaction that writes the comment (see [`super::comments`]),
//! never found by scanning, into the recipient's partition `notice#<sub>` of the
//! comments table, sorted by the comment's time; DynamoDB's time to live removes it
//! after [`LIFETIME`]. What the recipient has seen is one marker item (`read`, the
//! newest notice seen), so marking read is one write however many there are.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use serde::{Deserialize, Serialize};
use shared::{Notice, NoticeKind, NoticePage};
use time::OffsetDateTime;

use super::schema::{KEY, THREAD_KEY, THREAD_SORT, TTL_ATTR};
use super::{Store, StoreError, from_maps, number, string, unless_refused};
use crate::domain::{CommentId, PostId};

/// How long a notice is kept.
pub const LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The unread count stops here (the header shows "99+").
pub const MAX_UNREAD: u32 = 99;

const PREFIX: &str = "n#";
/// Above every notice's sort key.
const END: &str = "n#~";
const MARKER: &str = "read";

/// A notice as one DynamoDB item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeItem {
    pub pk: String,
    pub sk: String,
    pub kind: NoticeKind,
    pub post_id: u64,
    pub post_title: String,
    pub comment_id: String,
    pub actor_sub: String,
    pub excerpt: String,
    pub created_at: String,
    /// Seconds since the epoch: DynamoDB's time to live removes the item after it.
    pub expires_at: u64,
}

/// What a new notice is about.
pub struct About<'a> {
    pub kind: NoticeKind,
    pub post: PostId,
    pub post_title: &'a str,
    pub comment: &'a CommentId,
    pub actor_sub: &'a str,
    pub words: &'a str,
}

impl NoticeItem {
    pub fn new(recipient: &str, about: &About<'_>, at: OffsetDateTime) -> Self {
        let expires = at + LIFETIME;
        Self {
            pk: partition(recipient),
            sk: sort_key(about.comment),
            kind: about.kind,
            post_id: about.post.get(),
            post_title: crate::error::clip(about.post_title, 80),
            comment_id: about.comment.to_string(),
            actor_sub: about.actor_sub.to_owned(),
            excerpt: shared::api::excerpt(about.words),
            created_at: super::timestamp(at),
            expires_at: expires.unix_timestamp().max(0) as u64,
        }
    }
}

fn partition(sub: &str) -> String {
    format!("notice#{sub}")
}

fn sort_key(comment: &CommentId) -> String {
    format!("{PREFIX}{}", comment.own())
}

/// The key of the notice comment `comment` left for `recipient`.
pub fn key(recipient: &str, comment: &CommentId) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (THREAD_KEY.to_owned(), string(partition(recipient))),
        (THREAD_SORT.to_owned(), string(sort_key(comment))),
    ])
}

fn marker_key(sub: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (THREAD_KEY.to_owned(), string(partition(sub))),
        (THREAD_SORT.to_owned(), string(MARKER)),
    ])
}

impl Store {
    /// The sort key of the newest notice `sub` has seen.
    async fn seen(&self, sub: &str) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.comments)
            .set_key(Some(marker_key(sub)))
            .consistent_read(true)
            .send()
            .await?;
        Ok(match out.item.as_ref().and_then(|i| i.get("seen")) {
            Some(AttributeValue::S(seen)) => Some(seen.clone()),
            _ => None,
        })
    }

    /// How many notices `sub` has not seen, up to [`MAX_UNREAD`]: a count of the
    /// notices after the marker, in `sub`'s own partition.
    pub async fn unread_notices(&self, sub: &str) -> Result<u32, StoreError> {
        let from = match self.seen(sub).await? {
            // Just above the seen one: every sort key is `n#` and 21 characters.
            Some(seen) => format!("{seen}~"),
            None => PREFIX.to_owned(),
        };
        let mut count = 0u32;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.comments)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :end")
                .filter_expression("#ttl > :now")
                .expression_attribute_names("#pk", THREAD_KEY)
                .expression_attribute_names("#sk", THREAD_SORT)
                .expression_attribute_names("#ttl", TTL_ATTR)
                .expression_attribute_values(":pk", string(partition(sub)))
                .expression_attribute_values(":from", string(&from))
                .expression_attribute_values(":end", string(END))
                .expression_attribute_values(":now", number(self.epoch()))
                .select(Select::Count)
                .limit((MAX_UNREAD + 1) as i32)
                .set_exclusive_start_key(start)
                .send()
                .await?;
            count = count.saturating_add(out.count.max(0) as u32);
            start = out.last_evaluated_key;
            if start.is_none() || count >= MAX_UNREAD {
                return Ok(count.min(MAX_UNREAD));
            }
        }
    }

    /// One page of `sub`'s notices, newest first, after `cursor` (a previous page's
    /// last). Notices of a post deleted since are left out.
    pub async fn notices(
        &self,
        sub: &str,
        limit: u32,
        cursor: Option<&str>,
    ) -> Result<NoticePage, StoreError> {
        let seen = self.seen(sub).await?;
        let start = match cursor {
            // Past the previous page's last notice.
            Some(after) => {
                let sk = super::cursor::decode_key(after)
                    .filter(|k| k.starts_with(PREFIX) && k.len() == PREFIX.len() + 21)
                    .ok_or(StoreError::BadCursor)?;
                Some(HashMap::from([
                    (THREAD_KEY.to_owned(), string(partition(sub))),
                    (THREAD_SORT.to_owned(), string(sk)),
                ]))
            }
            None => None,
        };
        let out = self
            .client
            .query()
            .table_name(&self.comments)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .filter_expression("#ttl > :now")
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_names("#sk", THREAD_SORT)
            .expression_attribute_names("#ttl", TTL_ATTR)
            .expression_attribute_values(":pk", string(partition(sub)))
            .expression_attribute_values(":prefix", string(PREFIX))
            .expression_attribute_values(":now", number(self.epoch()))
            .scan_index_forward(false)
            .limit(limit.saturating_add(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        let mut items: Vec<NoticeItem> = from_maps(out.items)?;
        let next_cursor = super::cursor::cut_page(
            &mut items,
            limit,
            out.last_evaluated_key.is_some(),
            |last| Ok::<_, StoreError>(last.sk.clone()),
        )?;
        let live = self
            .existing_posts(items.iter().map(|n| n.post_id).collect())
            .await?;
        items.retain(|n| live.contains(&n.post_id));
        let names = self
            .names(items.iter().map(|n| n.actor_sub.as_str()))
            .await?;
        let notices = items
            .into_iter()
            .map(|n| Notice {
                unread: seen.as_deref().is_none_or(|seen| n.sk.as_str() > seen),
                kind: n.kind,
                post_id: n.post_id,
                post_title: n.post_title,
                comment_id: n.comment_id,
                actor: names.author(&n.actor_sub),
                excerpt: n.excerpt,
                created_at: n.created_at,
            })
            .collect();
        Ok(NoticePage {
            notices,
            next_cursor,
        })
    }

    /// Marks every notice `sub` has as seen: the marker moves to the newest, never
    /// back (a page opened earlier cannot unsee a newer notice).
    pub async fn mark_notices_read(&self, sub: &str) -> Result<(), StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.comments)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :end")
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_names("#sk", THREAD_SORT)
            .expression_attribute_values(":pk", string(partition(sub)))
            .expression_attribute_values(":from", string(PREFIX))
            .expression_attribute_values(":end", string(END))
            .scan_index_forward(false)
            .limit(1)
            .send()
            .await?;
        let Some(AttributeValue::S(newest)) = out
            .items
            .unwrap_or_default()
            .into_iter()
            .next()
            .and_then(|mut item| item.remove(THREAD_SORT))
        else {
            return Ok(());
        };
        let result = self
            .client
            .update_item()
            .table_name(&self.comments)
            .set_key(Some(marker_key(sub)))
            .update_expression("SET seen = :newest")
            .condition_expression("attribute_not_exists(seen) OR seen < :newest")
            .expression_attribute_values(":newest", string(newest))
            .send()
            .await;
        unless_refused(result)
    }

    /// Which of the posts `ids` exist (one batch read).
    async fn existing_posts(&self, ids: HashSet<u64>) -> Result<HashSet<u64>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| HashMap::from([(KEY.to_owned(), number(*id))]))
            .collect();
        let items = self.batch_get(&self.posts, keys, "id, feed").await?;
        Ok(items
            .iter()
            .filter(|item| item.contains_key("feed"))
            .filter_map(|item| match item.get(KEY) {
                Some(AttributeValue::N(n)) => n.parse().ok(),
                _ => None,
            })
            .collect())
    }
}

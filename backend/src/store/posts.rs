//! Posts in the posts table.
//!
//! Every operation costs the same whatever the table holds: ids come from an atomic
//! counter, never a scan; pages are one Query on an index; edits and deletes are single
//! conditional writes that check the author in DynamoDB itself, so no race between a
//! read and a write can let someone change another person's post.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use serde::{Deserialize, Serialize};
use shared::{ActionKind, Contents, Post, PostPage, PostSummary, Title};

use super::people::Shown;
use super::reports::Moderation;
use super::schema::{COUNTER_ATTR, COUNTER_ID, FEED, FEED_INDEX, FEED_KEY, KEY};
use super::{Store, StoreError, cursor, number};
use crate::domain::{Caller, PostId, Target};

/// How often a create takes a fresh id when the one it got is already taken (possible
/// only if the counter fell behind the table, e.g. after a restore of older data).
pub const CREATE_ATTEMPTS: usize = 5;

/// A post as one DynamoDB item.
#[derive(Debug, Serialize, Deserialize)]
struct Item {
    id: u64,
    feed: String,
    title: String,
    contents: String,
    /// Kept beside the contents so the feed index can project it instead of them.
    excerpt: String,
    author_sub: String,
    created_at: String,
    updated_at: String,
    /// Comments under the post, counted in the transaction that writes each.
    #[serde(default)]
    comment_count: u64,
}

impl Item {
    fn from_map(map: HashMap<String, AttributeValue>) -> Result<Self, StoreError> {
        Ok(serde_dynamo::from_item(map)?)
    }

    fn to_map(&self) -> Result<HashMap<String, AttributeValue>, StoreError> {
        super::to_map(self)
    }
}

impl Item {
    /// The post, its author shown as `shown` has them.
    fn into_post(self, shown: &Shown) -> Post {
        Post {
            id: self.id,
            title: self.title,
            contents: self.contents,
            author: shown.author(&self.author_sub),
            created_at: self.created_at,
            updated_at: self.updated_at,
            comment_count: self.comment_count,
        }
    }
}

/// What the feed index projects of a post ([`schema::SUMMARY_ATTRS`]).
#[derive(Debug, Deserialize)]
struct SummaryItem {
    id: u64,
    title: String,
    excerpt: String,
    author_sub: String,
    created_at: String,
    updated_at: String,
}

impl SummaryItem {
    fn into_summary(self, shown: &Shown, comment_count: u64) -> PostSummary {
        PostSummary {
            id: self.id,
            title: self.title,
            excerpt: self.excerpt,
            author: shown.author(&self.author_sub),
            created_at: self.created_at,
            updated_at: self.updated_at,
            comment_count,
        }
    }
}

/// What a deletion removed, for the moderation log.
#[derive(Debug)]
pub struct Deleted {
    pub author_sub: String,
    pub title: String,
}

/// Whether an item read back is a post (and not, say, the id counter).
fn is_post(map: &HashMap<String, AttributeValue>) -> bool {
    matches!(map.get(FEED_KEY), Some(AttributeValue::S(feed)) if feed == FEED)
}

/// Who wrote a post and what it is called: what a comment on it, or an edit of it,
/// needs to know first.
pub(super) struct PostHead {
    pub title: String,
    pub author_sub: String,
}

impl Store {
    /// The title and author of post `id`, or `NotFound`.
    pub(super) async fn post_head(&self, id: PostId) -> Result<PostHead, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.posts)
            .key(KEY, number(id.get()))
            .projection_expression("#feed, title, author_sub")
            .expression_attribute_names("#feed", FEED_KEY)
            .consistent_read(true)
            .send()
            .await?;
        let item = out.item.unwrap_or_default();
        match (
            item.get(FEED_KEY),
            item.get("title"),
            item.get("author_sub"),
        ) {
            (
                Some(AttributeValue::S(feed)),
                Some(AttributeValue::S(title)),
                Some(AttributeValue::S(author)),
            ) if feed == FEED => Ok(PostHead {
                title: title.clone(),
                author_sub: author.clone(),
            }),
            _ => Err(StoreError::NotFound { what: "post" }),
        }
    }

    /// Stores a new post by `author` under the next id. `author_name` is the author's
    /// display name now, for the answer; posts do not keep it (see [`Store::names`]).
    pub async fn create(
        &self,
        author: &Caller,
        author_name: &str,
        title: Title,
        contents: Contents,
    ) -> Result<Post, StoreError> {
        let created_at = self.now();
        let mut item = Item {
            id: 0,
            feed: FEED.to_owned(),
            title: title.into_string(),
            excerpt: shared::api::excerpt(&contents),
            contents: contents.into_string(),
            author_sub: author.sub.clone(),
            updated_at: created_at.clone(),
            created_at,
            comment_count: 0,
        };
        for _ in 0..CREATE_ATTEMPTS {
            item.id = self.next_id().await?;
            // One transaction with the check that the author is not suspended, so a
            // suspension landing meanwhile refuses the post; and a transaction keeps its
            // request token over retries, so a lost answer never stores it twice.
            let put = Put::builder()
                .table_name(&self.posts)
                .set_item(Some(item.to_map()?))
                .condition_expression("attribute_not_exists(#id)")
                .expression_attribute_names("#id", KEY)
                .build()
                .map_err(super::build_error)?;
            let mut writes = vec![TransactWriteItem::builder().put(put).build()];
            writes.extend(self.unsuspended(author)?);
            match super::transact(&self.client, writes, "a new post").await? {
                Ok(()) => {
                    return Ok(item.into_post(
                        &Shown::new(self.author_ids().await?).with(author, author_name),
                    ));
                }
                Err(0) => {
                    tracing::warn!(id = item.id, "post id already taken; taking the next one");
                }
                Err(_) => return Err(self.refused_as_suspended(author).await),
            }
        }
        Err(StoreError::IdsExhausted)
    }

    /// Takes the next id from the counter: one atomic write, whatever the concurrency.
    async fn next_id(&self) -> Result<u64, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.posts)
            .key(KEY, number(COUNTER_ID))
            .update_expression("ADD #last :one")
            .expression_attribute_names("#last", COUNTER_ATTR)
            .expression_attribute_values(":one", number(1))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await?;
        match out.attributes().and_then(|a| a.get(COUNTER_ATTR)) {
            Some(AttributeValue::N(n)) => n
                .parse()
                .map_err(|_| StoreError::Corrupt(format!("counter value {n:?}"))),
            other => Err(StoreError::Corrupt(format!("counter returned {other:?}"))),
        }
    }

    /// One post, its author shown under their current display name.
    pub async fn get(&self, id: PostId) -> Result<Post, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.posts)
            .key(KEY, number(id.get()))
            .consistent_read(true)
            .send()
            .await?;
        match out.item {
            Some(map) if is_post(&map) => {
                let item = Item::from_map(map)?;
                // Resolved as a page resolves its authors: eventually consistent, half
                // the read cost of the profile's consistent read (which writes need).
                let shown = self.names([item.author_sub.as_str()]).await?;
                Ok(item.into_post(&shown))
            }
            _ => Err(StoreError::NotFound { what: "post" }),
        }
    }

    /// Whether `caller` may edit post `id`: it is there and theirs. Read before a
    /// write quota is charged, so an edit that will be refused costs nothing; the
    /// edit itself is still conditional on the author.
    pub async fn may_edit(&self, id: PostId, caller: &Caller) -> Result<(), StoreError> {
        if self.post_head(id).await?.author_sub == caller.sub {
            Ok(())
        } else {
            Err(StoreError::NotAuthor)
        }
    }

    /// One page of posts, newest first, starting after `cursor`.
    ///
    /// DynamoDB answers a Query with at most 1 MB, however many items were asked for;
    /// when it stopped early (`LastEvaluatedKey`), the page ends there and still gets a
    /// cursor, so no post ever drops out of the feed.
    pub async fn list(&self, limit: u32, cursor: Option<&str>) -> Result<PostPage, StoreError> {
        let start = match cursor {
            None => None,
            Some(c) => {
                let after = cursor::decode(c).ok_or(StoreError::BadCursor)?;
                Some(feed_key(after))
            }
        };
        // One more than asked tells whether another page exists, so the last page never
        // hands out a cursor that leads to an empty page.
        let out = self
            .client
            .query()
            .table_name(&self.posts)
            .index_name(FEED_INDEX)
            .key_condition_expression("#feed = :feed")
            .expression_attribute_names("#feed", FEED_KEY)
            .expression_attribute_values(":feed", AttributeValue::S(FEED.to_owned()))
            .scan_index_forward(false)
            .limit(limit.saturating_add(1) as i32)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        let stopped_at = match out.last_evaluated_key() {
            None => None,
            Some(key) => Some(key_id(key)?),
        };
        let posts: Vec<SummaryItem> = super::from_maps(out.items)?;
        let (posts, next_cursor) = page(posts, limit as usize, stopped_at);
        let names = self
            .names(posts.iter().map(|p| p.author_sub.as_str()))
            .await?;
        let counts = self
            .comment_counts(posts.iter().map(|p| p.id).collect())
            .await?;
        let posts = posts
            .into_iter()
            .map(|post| {
                let count = counts.get(&post.id).copied().unwrap_or(0);
                post.into_summary(&names, count)
            })
            .collect();
        Ok(PostPage { posts, next_cursor })
    }

    /// Replaces a post's title and contents if `author` wrote it; `name` is the
    /// author's display name now, for the answer.
    pub async fn update(
        &self,
        id: PostId,
        author: &Caller,
        name: &str,
        title: Title,
        contents: Contents,
    ) -> Result<Post, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.posts)
            .key(KEY, number(id.get()))
            .update_expression(
                "SET #title = :title, #contents = :contents, #excerpt = :excerpt, #updated = :now",
            )
            .condition_expression("#feed = :feed AND #author = :sub")
            .expression_attribute_names("#title", "title")
            .expression_attribute_names("#contents", "contents")
            .expression_attribute_names("#excerpt", "excerpt")
            .expression_attribute_names("#updated", "updated_at")
            .expression_attribute_names("#feed", FEED_KEY)
            .expression_attribute_names("#author", "author_sub")
            .expression_attribute_values(":title", AttributeValue::S(title.into_string()))
            .expression_attribute_values(
                ":excerpt",
                AttributeValue::S(shared::api::excerpt(&contents)),
            )
            .expression_attribute_values(":contents", AttributeValue::S(contents.into_string()))
            .expression_attribute_values(":now", AttributeValue::S(self.now()))
            .expression_attribute_values(":feed", AttributeValue::S(FEED.to_owned()))
            .expression_attribute_values(":sub", AttributeValue::S(author.sub.clone()))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        let shown = Shown::new(self.author_ids().await?).with(author, name);
        match result {
            Ok(out) => Item::from_map(out.attributes.unwrap_or_default())
                .map(|item| item.into_post(&shown)),
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    Err(refused(failed.item.as_ref()))
                }
                other => Err(StoreError::service(other)),
            },
            Err(e) => Err(e.into()),
        }
    }

    /// Deletes a post if `caller` may remove it ([`Caller::may_remove`]): DynamoDB
    /// checks the author in the delete itself unless the caller moderates. A
    /// moderator removing someone else's post does so in one transaction with its log
    /// entry and the closing of its reports (`moderation` says who and why).
    pub async fn delete(
        &self,
        id: PostId,
        caller: &Caller,
        moderation: Option<&Moderation>,
    ) -> Result<Deleted, StoreError> {
        if let (true, Some(moderation)) = (caller.moderator, moderation) {
            let mut own = false;
            for _ in 0..CREATE_ATTEMPTS {
                let head = self.post_head(id).await?;
                if caller.owns(&head.author_sub) {
                    own = true;
                    break;
                }
                let target = Target::Post(id);
                let person = self.name_of(&head.author_sub).await?;
                let delete = aws_sdk_dynamodb::types::Delete::builder()
                    .table_name(&self.posts)
                    .key(KEY, number(id.get()))
                    .condition_expression(
                        "#feed = :feed AND author_sub = :author AND title = :title",
                    )
                    .expression_attribute_names("#feed", FEED_KEY)
                    .expression_attribute_values(":feed", AttributeValue::S(FEED.to_owned()))
                    .expression_attribute_values(
                        ":author",
                        AttributeValue::S(head.author_sub.clone()),
                    )
                    .expression_attribute_values(":title", AttributeValue::S(head.title.clone()))
                    .build()
                    .map_err(super::build_error)?;
                let mut writes = vec![
                    aws_sdk_dynamodb::types::TransactWriteItem::builder()
                        .delete(delete)
                        .build(),
                ];
                writes.extend(
                    self.moderation_writes(
                        Some(&target),
                        ActionKind::DeletePost,
                        moderation,
                        person,
                        None,
                    )
                    .await?,
                );
                match super::transact(&self.client, writes, "a post's removal").await? {
                    Ok(()) => {
                        return Ok(Deleted {
                            author_sub: head.author_sub,
                            title: head.title,
                        });
                    }
                    // Edited, deleted, or reported anew meanwhile: read again.
                    Err(_) => continue,
                }
            }
            if !own {
                return Err(StoreError::Contended("a post's removal"));
            }
        }
        let request = self
            .client
            .delete_item()
            .table_name(&self.posts)
            .key(KEY, number(id.get()))
            .expression_attribute_names("#feed", FEED_KEY)
            .expression_attribute_values(":feed", AttributeValue::S(FEED.to_owned()))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .condition_expression("#feed = :feed AND #author = :sub")
            .expression_attribute_names("#author", "author_sub")
            .expression_attribute_values(":sub", AttributeValue::S(caller.sub.clone()));
        match request.send().await {
            Ok(out) => {
                let item = Item::from_map(out.attributes.unwrap_or_default())?;
                Ok(Deleted {
                    author_sub: item.author_sub,
                    title: item.title,
                })
            }
            Err(SdkError::ServiceError(e)) => match e.into_err() {
                DeleteItemError::ConditionalCheckFailedException(failed) => {
                    Err(refused(failed.item.as_ref()))
                }
                other => Err(StoreError::service(other)),
            },
            Err(e) => Err(e.into()),
        }
    }
}

impl Store {
    /// The comment counts of posts `ids` (one batch read: the feed index carries
    /// only what never changes without the post's author).
    async fn comment_counts(&self, ids: Vec<u64>) -> Result<HashMap<u64, u64>, StoreError> {
        let keys = ids
            .iter()
            .map(|id| HashMap::from([(KEY.to_owned(), number(*id))]))
            .collect();
        let items = self
            .batch_get(&self.posts, keys, "id, comment_count")
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| match (item.get(KEY), item.get("comment_count")) {
                (Some(AttributeValue::N(id)), Some(AttributeValue::N(count))) => {
                    Some((id.parse().ok()?, count.parse().ok()?))
                }
                _ => None,
            })
            .collect())
    }
}

/// The feed index's key of post `id`, where a page continues after it.
fn feed_key(id: u64) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (KEY.to_owned(), number(id)),
        (FEED_KEY.to_owned(), AttributeValue::S(FEED.to_owned())),
    ])
}

/// The post id in a `LastEvaluatedKey` of the feed index.
fn key_id(key: &HashMap<String, AttributeValue>) -> Result<u64, StoreError> {
    match key.get(KEY) {
        Some(AttributeValue::N(n)) => n
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("LastEvaluatedKey id {n:?}"))),
        other => Err(StoreError::Corrupt(format!(
            "LastEvaluatedKey without a numeric id: {other:?}"
        ))),
    }
}

/// A page from one Query that asked for `limit + 1` items and, if DynamoDB stopped
/// early, stopped after post `stopped_at`. There is a next page when the extra item
/// came back, or when DynamoDB stopped before it could look further.
fn page(
    mut posts: Vec<SummaryItem>,
    limit: usize,
    stopped_at: Option<u64>,
) -> (Vec<SummaryItem>, Option<String>) {
    let next_after = if posts.len() > limit {
        posts.truncate(limit);
        posts.last().map(|last| last.id)
    } else {
        stopped_at.map(|stopped| posts.last().map_or(stopped, |last| last.id.min(stopped)))
    };
    (posts, next_after.map(cursor::encode))
}

/// Why a conditional edit or delete was refused, from the item as it stood.
fn refused(old: Option<&HashMap<String, AttributeValue>>) -> StoreError {
    match old {
        Some(item) if is_post(item) => StoreError::NotAuthor,
        _ => StoreError::NotFound { what: "post" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(id: u64) -> SummaryItem {
        SummaryItem {
            id,
            title: format!("post {id}"),
            excerpt: String::new(),
            author_sub: "s".into(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn ids(page: &(Vec<SummaryItem>, Option<String>)) -> Vec<u64> {
        page.0.iter().map(|p| p.id).collect()
    }

    #[test]
    fn the_extra_item_means_another_page_and_is_not_shown() {
        let page = page((1..=4).rev().map(summary).collect(), 3, Some(1));
        assert_eq!(ids(&page), [4, 3, 2]);
        assert_eq!(page.1.as_deref().and_then(cursor::decode), Some(2));
    }

    #[test]
    fn a_query_cut_short_by_dynamodb_still_gives_a_cursor() {
        // Asked for 21, DynamoDB stopped at 1 MB after 13: the page is short, not last.
        let page = page((8..=20).rev().map(summary).collect(), 20, Some(8));
        assert_eq!(page.0.len(), 13);
        assert_eq!(page.1.as_deref().and_then(cursor::decode), Some(8));
        // Even an empty answer that stopped early continues where DynamoDB stopped.
        let empty = super::page(Vec::new(), 20, Some(99));
        assert_eq!(empty.1.as_deref().and_then(cursor::decode), Some(99));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let page = page((1..=3).rev().map(summary).collect(), 20, None);
        assert_eq!(ids(&page), [3, 2, 1]);
        assert_eq!(page.1, None);
    }
}

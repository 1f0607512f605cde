//! Comments, in the comments table under their post's partition.
//!
//! A thread is one Query: comments sort by `c#<comment>` and their replies by
//! `c#<comment>#<reply>`, and ids begin with their time, so the partition in key order
//! is the thread in display order. Writing a comment, counting it on its post and
//! leaving the notice for the person answered is one transaction: all of it or none,
//! so the post's count never drifts from the comments that exist. Edits and deletes
//! are conditional on the author in DynamoDB itself, as for posts.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use shared::{ActionKind, Comment, CommentPage, CommentText, NoticeKind};

use super::notices::{self, NoticeItem};
use super::people::Shown;
use super::reports::Moderation;
use super::schema::{FEED, FEED_KEY, KEY, THREAD_KEY, THREAD_SORT};
use super::{Store, StoreError, build_error, number, string, to_map, unless_refused};
use crate::domain::{Caller, CommentId, PostId, Target};

/// How often a write that lost a race to another (a reply arriving as its comment is
/// deleted) is tried again from a fresh read.
const ATTEMPTS: usize = 3;

/// A comment as one DynamoDB item.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CommentItem {
    pk: String,
    sk: String,
    post_id: u64,
    /// Gone from a placeholder, with the words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    author_sub: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    contents: Option<String>,
    /// For a reply: whom it answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_to_sub: Option<String>,
    /// Set on a deleted comment kept as a placeholder for its replies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    deleted: Option<bool>,
    /// On a comment under the post: how many replies it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_count: Option<u64>,
    /// Whose notice this comment left, if anyone's (removed with the comment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notified_sub: Option<String>,
    created_at: String,
    updated_at: String,
}

impl CommentItem {
    fn from_map(map: HashMap<String, AttributeValue>) -> Result<Self, StoreError> {
        Ok(serde_dynamo::from_item(map)?)
    }

    fn id(&self) -> Result<CommentId, StoreError> {
        CommentId::from_sort_key(&self.sk)
            .ok_or_else(|| StoreError::Corrupt(format!("comment sort key {:?}", self.sk)))
    }

    /// The comment as the API shows it, its people as `shown` has them.
    fn into_comment(self, shown: &Shown) -> Result<Comment, StoreError> {
        let id = self.id()?;
        let author = |sub: String| shown.author(&sub);
        let deleted = self.deleted.unwrap_or(false);
        Ok(Comment {
            thread: id.reply().map(|_| id.thread().to_string()),
            id: id.to_string(),
            post_id: self.post_id,
            reply_to: self.reply_to_sub.map(author),
            author: if deleted {
                None
            } else {
                self.author_sub.map(author)
            },
            contents: if deleted { None } else { self.contents },
            deleted,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// A post's partition in the comments table.
pub fn post_partition(post: PostId) -> String {
    format!("post#{post}")
}

fn key(post: PostId, id: &CommentId) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (THREAD_KEY.to_owned(), string(post_partition(post))),
        (THREAD_SORT.to_owned(), string(id.sort_key())),
    ])
}

/// What a deletion removed, for the moderation record.
#[derive(Debug)]
pub struct DeletedComment {
    pub author_sub: String,
    pub excerpt: String,
}

impl Store {
    /// The words and the author of comment `id` of post `post`, or `NotFound` when it
    /// is gone (a placeholder included).
    pub(super) async fn comment_words(
        &self,
        post: PostId,
        id: &CommentId,
    ) -> Result<(String, String), StoreError> {
        match self.comment_item(post, id).await? {
            Some(CommentItem {
                contents: Some(contents),
                author_sub: Some(author),
                deleted: None | Some(false),
                ..
            }) => Ok((contents, author)),
            _ => Err(StoreError::NotFound { what: "comment" }),
        }
    }

    async fn comment_item(
        &self,
        post: PostId,
        id: &CommentId,
    ) -> Result<Option<CommentItem>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.comments)
            .set_key(Some(key(post, id)))
            .consistent_read(true)
            .send()
            .await?;
        out.item.map(CommentItem::from_map).transpose()
    }

    /// Whether `caller` may edit comment `id` of post `post`: both are there, and the
    /// comment is theirs and not deleted. Read before a write quota is charged, so an
    /// edit that will be refused costs nothing; the edit itself is still conditional.
    pub async fn may_edit_comment(
        &self,
        post: PostId,
        id: &CommentId,
        caller: &Caller,
    ) -> Result<(), StoreError> {
        let (_, comment) = tokio::try_join!(self.post_head(post), self.comment_item(post, id))?;
        match comment {
            Some(c) if c.deleted != Some(true) && c.author_sub.as_deref() == Some(&caller.sub) => {
                Ok(())
            }
            Some(c) if c.deleted != Some(true) => Err(StoreError::NotAuthor),
            _ => Err(StoreError::NotFound { what: "comment" }),
        }
    }

    /// Writes `text` by `author` under post `post`, as a reply to `reply_to` if given:
    /// the comment, its post's count and the notice to the person answered (unless
    /// that is the author) in one transaction.
    pub async fn add_comment(
        &self,
        post: PostId,
        author: &Caller,
        author_name: &str,
        text: CommentText,
        reply_to: Option<&CommentId>,
    ) -> Result<Comment, StoreError> {
        let head = self.post_head(post).await?;
        let (thread, recipient, kind) = match reply_to {
            None => (None, head.author_sub.clone(), NoticeKind::Comment),
            Some(target) => {
                let answered = self
                    .comment_item(post, target)
                    .await?
                    .filter(|c| c.deleted != Some(true))
                    .and_then(|c| c.author_sub)
                    .ok_or(StoreError::NotFound { what: "comment" })?;
                (Some(target.thread().clone()), answered, NoticeKind::Reply)
            }
        };
        let now = self.clock.now_utc();
        let id = CommentId::new(now, thread);
        let created_at = super::timestamp(now);
        let notify = recipient != author.sub;
        let item = CommentItem {
            pk: post_partition(post),
            sk: id.sort_key(),
            post_id: post.get(),
            author_sub: Some(author.sub.clone()),
            contents: Some(text.as_str().to_owned()),
            reply_to_sub: reply_to.map(|_| recipient.clone()),
            deleted: None,
            reply_count: None,
            notified_sub: notify.then(|| recipient.clone()),
            created_at: created_at.clone(),
            updated_at: created_at.clone(),
        };
        let mut writes = vec![
            self.count_on_post(post, 1)?,
            TransactWriteItem::builder()
                .put(
                    Put::builder()
                        .table_name(&self.comments)
                        .set_item(Some(to_map(&item)?))
                        .condition_expression("attribute_not_exists(#sk)")
                        .expression_attribute_names("#sk", THREAD_SORT)
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        ];
        if id.reply().is_some() {
            // The thread's head must still be there (a comment, or a placeholder).
            let head_id = CommentId::head(id.thread().clone());
            writes.push(
                TransactWriteItem::builder()
                    .update(
                        Update::builder()
                            .table_name(&self.comments)
                            .set_key(Some(key(post, &head_id)))
                            .update_expression("ADD reply_count :one")
                            .condition_expression("attribute_exists(#sk)")
                            .expression_attribute_names("#sk", THREAD_SORT)
                            .expression_attribute_values(":one", number(1))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            );
        }
        if notify {
            let about = notices::About {
                kind,
                post,
                post_title: &head.title,
                comment: &id,
                actor_sub: &author.sub,
                words: text.as_str(),
            };
            let notice = NoticeItem::new(&recipient, &about, now);
            writes.push(
                TransactWriteItem::builder()
                    .put(
                        Put::builder()
                            .table_name(&self.comments)
                            .set_item(Some(to_map(&notice)?))
                            .build()
                            .map_err(build_error)?,
                    )
                    .build(),
            );
        }
        // Last, the check that the author is not suspended: decided by DynamoDB in
        // the same transaction, not by the read that admitted them.
        let check_at = writes.len();
        writes.extend(self.unsuspended(author)?);
        match super::transact(&self.client, writes, "a comment").await? {
            Ok(()) => {}
            Err(i) if i == check_at => return Err(self.refused_as_suspended(author).await),
            Err(i) => {
                return Err(StoreError::NotFound {
                    what: if i == 0 { "post" } else { "comment" },
                });
            }
        }
        let others = match &item.reply_to_sub {
            Some(sub) => self.names([sub.as_str()]).await?,
            None => Shown::new(self.author_ids().await?),
        };
        item.into_comment(&others.with(author, author_name))
    }

    /// One page of post `post`'s comments in thread order, after `cursor` (the sort
    /// key a previous page ended on) or from the thread of comment `from`.
    pub async fn comments(
        &self,
        post: PostId,
        limit: u32,
        after: Option<&CommentId>,
        from: Option<&CommentId>,
    ) -> Result<CommentPage, StoreError> {
        self.post_head(post).await?;
        let mut query = self
            .client
            .query()
            .table_name(&self.comments)
            .expression_attribute_names("#pk", THREAD_KEY)
            .expression_attribute_names("#sk", THREAD_SORT)
            .expression_attribute_values(":pk", string(post_partition(post)))
            .limit(limit.saturating_add(1) as i32);
        query = match from {
            Some(from) => query
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :end")
                .expression_attribute_values(
                    ":from",
                    string(CommentId::head(from.thread().clone()).sort_key()),
                )
                .expression_attribute_values(":end", string(CommentId::SORT_END)),
            None => query
                .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
                .expression_attribute_values(":prefix", string(CommentId::SORT_PREFIX)),
        };
        if let Some(after) = after {
            query = query.set_exclusive_start_key(Some(key(post, after)));
        }
        let out = query.send().await?;
        let mut items = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(CommentItem::from_map)
            .collect::<Result<Vec<_>, _>>()?;
        // One more than asked tells whether another page exists; DynamoDB stopping
        // early at 1 MB (`LastEvaluatedKey`) also means there is more.
        let next_cursor = super::cursor::cut_page(
            &mut items,
            limit,
            out.last_evaluated_key.is_some(),
            |last| last.id().map(|id| id.sort_key()),
        )?;
        let subs: Vec<String> = items
            .iter()
            .flat_map(|c| [c.author_sub.clone(), c.reply_to_sub.clone()])
            .flatten()
            .collect();
        let names = self.names(subs.iter().map(String::as_str)).await?;
        let comments = items
            .into_iter()
            .map(|item| item.into_comment(&names))
            .collect::<Result<_, _>>()?;
        Ok(CommentPage {
            comments,
            next_cursor,
        })
    }

    /// Replaces the words of comment `id` if `author` wrote it and its post is still
    /// there; `name` is the author's display name now, for the answer.
    pub async fn edit_comment(
        &self,
        post: PostId,
        id: &CommentId,
        author: &Caller,
        name: &str,
        text: CommentText,
    ) -> Result<Comment, StoreError> {
        let now = self.now();
        let writes = vec![
            self.post_exists(post)?,
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(&self.comments)
                        .set_key(Some(key(post, id)))
                        .update_expression("SET contents = :contents, updated_at = :now")
                        .condition_expression(
                            "attribute_exists(#sk) AND attribute_not_exists(deleted) \
                             AND author_sub = :sub",
                        )
                        .expression_attribute_names("#sk", THREAD_SORT)
                        .expression_attribute_values(":contents", string(text.as_str()))
                        .expression_attribute_values(":now", string(now))
                        .expression_attribute_values(":sub", string(&author.sub))
                        .build()
                        .map_err(build_error)?,
                )
                .build(),
        ];
        match self.transact(writes, &["post", "comment"]).await {
            Ok(()) => {}
            Err(StoreError::NotFound { what: "comment" }) => {
                // Refused: gone, or someone else's.
                return Err(match self.comment_item(post, id).await? {
                    Some(c) if c.deleted != Some(true) => StoreError::NotAuthor,
                    _ => StoreError::NotFound { what: "comment" },
                });
            }
            Err(other) => return Err(other),
        }
        let item = self
            .comment_item(post, id)
            .await?
            .ok_or(StoreError::NotFound { what: "comment" })?;
        let others = match &item.reply_to_sub {
            Some(sub) => self.names([sub.as_str()]).await?,
            None => Shown::new(self.author_ids().await?),
        };
        item.into_comment(&others.with(author, name))
    }

    /// Deletes comment `id` if `caller` may remove it: its author may, and so may any
    /// moderator. A comment with replies stays as a placeholder; one without simply
    /// goes, and so does a placeholder whose last reply goes. The post's count and
    /// the comment's notice follow in the same transaction.
    pub async fn delete_comment(
        &self,
        post: PostId,
        id: &CommentId,
        caller: &Caller,
        moderation: Option<&Moderation>,
    ) -> Result<DeletedComment, StoreError> {
        for _ in 0..ATTEMPTS {
            let item = self
                .comment_item(post, id)
                .await?
                .filter(|c| c.deleted != Some(true))
                .ok_or(StoreError::NotFound { what: "comment" })?;
            let author_sub = item
                .author_sub
                .clone()
                .ok_or_else(|| StoreError::Corrupt("a comment without an author".into()))?;
            // Someone else's words go only with a moderator's name on the log.
            let moderated = match moderation {
                Some(moderation) if caller.moderator && !caller.owns(&author_sub) => {
                    Some(moderation)
                }
                _ if caller.owns(&author_sub) => None,
                _ => return Err(StoreError::NotAuthor),
            };
            let replies = item.reply_count.unwrap_or(0);
            let own = if id.reply().is_none() && replies > 0 {
                // Keep the place of a comment others answered, without its words.
                Update::builder()
                    .table_name(&self.comments)
                    .set_key(Some(key(post, id)))
                    .update_expression(
                        "SET deleted = :yes REMOVE contents, author_sub, notified_sub",
                    )
                    .condition_expression("attribute_not_exists(deleted) AND author_sub = :author")
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .expression_attribute_values(":author", string(&author_sub))
                    .build()
                    .map(|u| TransactWriteItem::builder().update(u).build())
            } else {
                Delete::builder()
                    .table_name(&self.comments)
                    .set_key(Some(key(post, id)))
                    .condition_expression(
                        "attribute_not_exists(deleted) AND author_sub = :author \
                         AND (attribute_not_exists(reply_count) OR reply_count = :zero)",
                    )
                    .expression_attribute_values(":author", string(&author_sub))
                    .expression_attribute_values(":zero", number(0))
                    .build()
                    .map(|d| TransactWriteItem::builder().delete(d).build())
            }
            .map_err(build_error)?;
            let mut writes = vec![self.count_on_post(post, -1)?, own];
            if id.reply().is_some() {
                let head = CommentId::head(id.thread().clone());
                writes.push(
                    TransactWriteItem::builder()
                        .update(
                            Update::builder()
                                .table_name(&self.comments)
                                .set_key(Some(key(post, &head)))
                                .update_expression("ADD reply_count :minus")
                                .condition_expression("attribute_exists(#sk)")
                                .expression_attribute_names("#sk", THREAD_SORT)
                                .expression_attribute_values(
                                    ":minus",
                                    AttributeValue::N("-1".into()),
                                )
                                .build()
                                .map_err(build_error)?,
                        )
                        .build(),
                );
            }
            if let Some(recipient) = &item.notified_sub {
                writes.push(
                    TransactWriteItem::builder()
                        .delete(
                            Delete::builder()
                                .table_name(&self.comments)
                                .set_key(Some(notices::key(recipient, id)))
                                .build()
                                .map_err(build_error)?,
                        )
                        .build(),
                );
            }
            if let Some(moderation) = moderated {
                let person = self.name_of(&author_sub).await?;
                writes.extend(
                    self.moderation_writes(
                        Some(&Target::Comment(post, id.clone())),
                        ActionKind::DeleteComment,
                        moderation,
                        person,
                        None,
                    )
                    .await?,
                );
            }
            match self.transact(writes, &["post", "comment", "comment"]).await {
                Ok(()) => {}
                // A reply came (or went) between the read and the write: read again.
                Err(StoreError::NotFound { what: "comment" }) => continue,
                Err(other) => return Err(other),
            }
            if id.reply().is_some() {
                self.drop_empty_placeholder(post, &CommentId::head(id.thread().clone()))
                    .await?;
            }
            return Ok(DeletedComment {
                author_sub,
                excerpt: shared::api::excerpt(item.contents.as_deref().unwrap_or_default()),
            });
        }
        Err(StoreError::Contended("a comment"))
    }

    /// Removes a placeholder left with no replies.
    async fn drop_empty_placeholder(
        &self,
        post: PostId,
        head: &CommentId,
    ) -> Result<(), StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.comments)
            .set_key(Some(key(post, head)))
            .condition_expression("deleted = :yes AND reply_count = :zero")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .expression_attribute_values(":zero", number(0))
            .send()
            .await;
        unless_refused(result)
    }

    /// Removes up to `budget` of a deleted post's comments with their notices; whether
    /// none is left. Reads never show them (every route checks the post first); this
    /// gives the space back.
    pub async fn purge_comments(&self, post: PostId, budget: usize) -> Result<bool, StoreError> {
        let mut removed = 0;
        while removed < budget {
            let out = self
                .client
                .query()
                .table_name(&self.comments)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", THREAD_KEY)
                .expression_attribute_values(":pk", string(post_partition(post)))
                .limit(12)
                .send()
                .await?;
            let items = out
                .items
                .unwrap_or_default()
                .into_iter()
                .map(CommentItem::from_map)
                .collect::<Result<Vec<_>, _>>()?;
            if items.is_empty() {
                return Ok(true);
            }
            let mut keys = Vec::with_capacity(items.len() * 2);
            for item in &items {
                let id = item.id()?;
                keys.push(key(post, &id));
                if let Some(recipient) = &item.notified_sub {
                    keys.push(notices::key(recipient, &id));
                }
            }
            self.delete_keys(&self.comments, keys).await?;
            removed += items.len();
        }
        Ok(false)
    }

    /// The update that counts a comment on (or off) its post, refused if the post is
    /// gone.
    fn count_on_post(&self, post: PostId, by: i64) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .update(
                Update::builder()
                    .table_name(&self.posts)
                    .key(KEY, number(post.get()))
                    .update_expression("ADD comment_count :by")
                    .condition_expression("#feed = :feed")
                    .expression_attribute_names("#feed", FEED_KEY)
                    .expression_attribute_values(":feed", string(FEED))
                    .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
                    .build()
                    .map_err(build_error)?,
            )
            .build())
    }

    /// The check that post `post` is still there.
    fn post_exists(&self, post: PostId) -> Result<TransactWriteItem, StoreError> {
        Ok(TransactWriteItem::builder()
            .condition_check(
                ConditionCheck::builder()
                    .table_name(&self.posts)
                    .key(KEY, number(post.get()))
                    .condition_expression("#feed = :feed")
                    .expression_attribute_names("#feed", FEED_KEY)
                    .expression_attribute_values(":feed", string(FEED))
                    .build()
                    .map_err(build_error)?,
            )
            .build())
    }

    /// Runs `writes` as one transaction. A refused condition is `NotFound` of what
    /// `names[i]` says the `i`-th write is about.
    async fn transact(
        &self,
        writes: Vec<TransactWriteItem>,
        names: &[&'static str],
    ) -> Result<(), StoreError> {
        super::transact(&self.client, writes, "a comment")
            .await?
            .map_err(|i| StoreError::NotFound {
                what: names.get(i).copied().unwrap_or("comment"),
            })
    }
}

//! The board's data in DynamoDB: posts in one table ([`posts`]), the people who
//! write them (display names, [`people`]; write quotas, [`quota`]; suspensions,
//! [`suspensions`]) in another, and conversations ([`comments`], [`notices`]) and
//! moderation ([`reports`], the public [`log`]) in a third.
//!
//! Every rule that two requests could race on (a post's author, a name's owner, a
//! quota's count) is checked by DynamoDB itself in a conditional write, never by a
//! read followed by a write.

pub mod author_ids;
pub mod client;
pub mod comments;
pub mod cursor;
pub mod log;
pub mod names;
pub mod notices;
pub mod people;
pub mod posts;
pub mod quota;
pub mod reports;
pub mod schema;
pub mod suspensions;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, KeysAndAttributes, WriteRequest};
use time::OffsetDateTime;

use clock::Clock;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no such {what}")]
    NotFound { what: &'static str },
    #[error("it belongs to someone else")]
    NotAuthor,
    #[error("the page cursor is not valid")]
    BadCursor,
    #[error("no free post id after {} attempts", posts::CREATE_ATTEMPTS)]
    IdsExhausted,
    #[error("the display name is taken")]
    NameTaken,
    #[error("nobody may hold this display name: {0:?}")]
    NameNotAllowed(names::NotAllowed),
    #[error("the display name was changed less than a day ago")]
    NameChangedRecently { retry_after_secs: u64 },
    #[error("the display name was changed elsewhere at the same time")]
    NameChangedConcurrently,
    #[error("the write quota is used up")]
    OverQuota {
        retry_after_secs: u64,
        window: quota::Window,
    },
    #[error("a moderator suspended the caller")]
    Suspended(shared::SuspensionNotice),
    #[error("the caller already reported this")]
    AlreadyReported,
    /// A moderator's action that the rules do not allow (`action` says which).
    #[error("you may not {action}")]
    Refused { action: &'static str },
    /// What a write depends on kept changing under it over every attempt.
    #[error("DynamoDB kept refusing or changing {0} over every retry")]
    Contended(&'static str),
    /// DynamoDB was busy (contention, throttling, an error of its own, a lost answer)
    /// over the whole retry budget ([`client::RETRY`]): worth trying again shortly.
    #[error("DynamoDB was busy over every retry: {0}")]
    Busy(Box<aws_sdk_dynamodb::Error>),
    #[error("a stored item is not valid: {0}")]
    Corrupt(String),
    #[error("DynamoDB request failed: {0}")]
    Dynamo(Box<aws_sdk_dynamodb::Error>),
}

impl StoreError {
    /// The whole cause for the log: for a DynamoDB error, every source in the chain.
    pub fn detail(&self) -> String {
        match self {
            StoreError::Dynamo(e) | StoreError::Busy(e) => {
                aws_sdk_dynamodb::error::DisplayErrorContext(&**e).to_string()
            }
            other => other.to_string(),
        }
    }
}

impl<E, R> From<SdkError<E, R>> for StoreError
where
    E: ProvideErrorMetadata,
    aws_sdk_dynamodb::Error: From<SdkError<E, R>>,
{
    fn from(err: SdkError<E, R>) -> Self {
        let busy = match &err {
            SdkError::TimeoutError(_)
            | SdkError::DispatchFailure(_)
            | SdkError::ResponseError(_) => true,
            SdkError::ServiceError(e) => client::is_busy_code(e.err().code()),
            _ => false,
        };
        let err = Box::new(err.into());
        if busy {
            StoreError::Busy(err)
        } else {
            StoreError::Dynamo(err)
        }
    }
}

impl StoreError {
    /// An operation's own error that the code did not expect: busy when its code says
    /// so (the retries are spent), a failure otherwise.
    fn service<E>(err: E) -> Self
    where
        E: ProvideErrorMetadata + Into<aws_sdk_dynamodb::Error>,
    {
        let busy = client::is_busy_code(err.code());
        let err = Box::new(err.into());
        if busy {
            StoreError::Busy(err)
        } else {
            StoreError::Dynamo(err)
        }
    }
}

/// An item that does not read as what it should be: stored data no longer valid.
impl From<serde_dynamo::Error> for StoreError {
    fn from(err: serde_dynamo::Error) -> Self {
        StoreError::Corrupt(err.to_string())
    }
}

/// `item` as DynamoDB stores it.
fn to_map<T: serde::Serialize>(item: &T) -> Result<HashMap<String, AttributeValue>, StoreError> {
    Ok(serde_dynamo::to_item(item)?)
}

/// The items of a query's answer, each read as a `T`.
fn from_maps<T: serde::de::DeserializeOwned>(
    items: Option<Vec<HashMap<String, AttributeValue>>>,
) -> Result<Vec<T>, StoreError> {
    items
        .unwrap_or_default()
        .into_iter()
        .map(|map| Ok(serde_dynamo::from_item(map)?))
        .collect()
}

/// The names of the board's tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub posts: String,
    pub people: String,
    pub comments: String,
}

/// Every table, through one client.
#[derive(Clone)]
pub struct Store {
    client: Client,
    posts: String,
    people: String,
    comments: String,
    clock: Clock,
    /// Made on first use ([`author_ids`]) and shared by the store's clones.
    author_ids: std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<author_ids::AuthorIds>>>,
}

impl Store {
    pub fn new(client: Client, tables: Tables) -> Self {
        Self {
            client,
            posts: tables.posts,
            people: tables.people,
            comments: tables.comments,
            clock: Clock::system(),
            author_ids: Default::default(),
        }
    }

    /// The same tables, with time read from `clock` (tests move a manual one).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Now, as stored: see [`timestamp`].
    fn now(&self) -> String {
        timestamp(self.clock.now_utc())
    }

    /// Now, in seconds since the epoch.
    fn epoch(&self) -> u64 {
        self.clock.now_utc().unix_timestamp().max(0) as u64
    }

    /// Now, in seconds since the epoch, by the store's clock: what suspensions are
    /// checked against.
    pub fn epoch_now(&self) -> u64 {
        self.epoch()
    }
}

/// How often a batch retries the keys DynamoDB left unprocessed.
const BATCH_ATTEMPTS: usize = 5;
/// DynamoDB's most keys in one batch read.
const BATCH_GET_MAX: usize = 100;
/// DynamoDB's most writes in one batch write.
const BATCH_WRITE_MAX: usize = 25;

impl Store {
    /// The items at `keys` in `table` that exist, with the attributes in `projection`
    /// (plain names): batch reads of up to 100 keys, retrying what DynamoDB left
    /// unprocessed.
    async fn batch_get(
        &self,
        table: &str,
        keys: Vec<HashMap<String, AttributeValue>>,
        projection: &str,
    ) -> Result<Vec<HashMap<String, AttributeValue>>, StoreError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(BATCH_GET_MAX) {
            let mut pending = KeysAndAttributes::builder()
                .set_keys(Some(chunk.to_vec()))
                .projection_expression(projection)
                .build()
                .map_err(build_error)?;
            let mut attempt = 0;
            loop {
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(table, pending.clone())
                    .send()
                    .await?;
                found.extend(
                    out.responses
                        .unwrap_or_default()
                        .remove(table)
                        .unwrap_or_default(),
                );
                match out.unprocessed_keys.and_then(|mut u| u.remove(table)) {
                    Some(rest) if !rest.keys().is_empty() => pending = rest,
                    _ => break,
                }
                attempt += 1;
                if attempt == BATCH_ATTEMPTS {
                    return Err(StoreError::Contended("a batch read"));
                }
                // DynamoDB was throttling: back off a little before asking again.
                tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
            }
        }
        Ok(found)
    }

    /// Deletes the items at `keys` in `table`, in batches, retrying what DynamoDB left
    /// unprocessed.
    async fn delete_keys(
        &self,
        table: &str,
        keys: Vec<HashMap<String, AttributeValue>>,
    ) -> Result<(), StoreError> {
        for chunk in keys.chunks(BATCH_WRITE_MAX) {
            let mut pending = chunk
                .iter()
                .map(|key| {
                    DeleteRequest::builder()
                        .set_key(Some(key.clone()))
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(build_error)
                })
                .collect::<Result<Vec<_>, _>>()?;
            let mut attempt = 0;
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(table, pending)
                    .send()
                    .await?;
                pending = out
                    .unprocessed_items
                    .and_then(|mut u| u.remove(table))
                    .unwrap_or_default();
                attempt += 1;
                if !pending.is_empty() {
                    if attempt == BATCH_ATTEMPTS {
                        return Err(StoreError::Contended("a batch write"));
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(20 << attempt)).await;
                }
            }
        }
        Ok(())
    }
}

/// The outcome of a conditional write whose refusal means there is nothing to do (a
/// claim already released, a marker already past): a refusal is `Ok`.
/// A request the SDK could not build (a required part missing): a fault of this code.
fn build_error(e: aws_sdk_dynamodb::error::BuildError) -> StoreError {
    StoreError::Corrupt(format!("a request could not be built: {e}"))
}

/// Runs `writes` as one `TransactWriteItems`: all of them or none. `Ok(Err(i))` when
/// DynamoDB refused the `i`-th write's condition; other transactions on the same items
/// over every retry are [`StoreError::Contended`] over `what`.
///
/// The transaction carries one `ClientRequestToken` for all its attempts: when an
/// answer is lost and the client tries again, DynamoDB recognises the token (for ten
/// minutes) and answers success without applying the writes twice.
async fn transact(
    client: &Client,
    writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    what: &'static str,
) -> Result<Result<(), usize>, StoreError> {
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
    let result = client
        .transact_write_items()
        .set_transact_items(Some(writes))
        .client_request_token(uuid::Uuid::new_v4().to_string())
        .send()
        .await;
    match result {
        Ok(_) => Ok(Ok(())),
        Err(SdkError::ServiceError(e)) => match e.into_err() {
            TransactWriteItemsError::TransactionCanceledException(cancelled) => match cancelled
                .cancellation_reasons()
                .iter()
                .position(|r| r.code() == Some("ConditionalCheckFailed"))
            {
                Some(i) => Ok(Err(i)),
                None if client::cancelled_by_contention(cancelled.cancellation_reasons()) => {
                    Err(StoreError::Contended(what))
                }
                None => Err(StoreError::Dynamo(Box::new(
                    TransactWriteItemsError::TransactionCanceledException(cancelled).into(),
                ))),
            },
            other => Err(StoreError::service(other)),
        },
        Err(e) => Err(e.into()),
    }
}

fn unless_refused<O, E, R>(result: Result<O, SdkError<E, R>>) -> Result<(), StoreError>
where
    E: ProvideErrorMetadata,
    aws_sdk_dynamodb::Error: From<SdkError<E, R>>,
{
    match result {
        Ok(_) => Ok(()),
        Err(SdkError::ServiceError(e))
            if e.err().code() == Some("ConditionalCheckFailedException") =>
        {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn string(s: impl Into<String>) -> AttributeValue {
    AttributeValue::S(s.into())
}

/// RFC 3339 in UTC with exactly three fractional digits, so timestamps also sort as
/// strings.
const TIMESTAMP: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
);

/// Seconds since the epoch as a stored timestamp.
fn epoch_timestamp(epoch: u64) -> String {
    timestamp(
        OffsetDateTime::from_unix_timestamp(epoch.min(253_402_300_799) as i64)
            .unwrap_or(OffsetDateTime::UNIX_EPOCH),
    )
}

fn timestamp(at: OffsetDateTime) -> String {
    at.format(TIMESTAMP)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_a_fixed_width_and_sort_as_strings() {
        let at = time::macros::datetime!(2026-11-27 10:00:00 UTC);
        let a = timestamp(at);
        assert_eq!(a, "2026-11-27T10:00:00.000Z");
        let parsed = OffsetDateTime::parse(&a, &time::format_description::well_known::Rfc3339);
        assert_eq!(parsed, Ok(at));
        let later = timestamp(at + std::time::Duration::from_millis(2));
        assert_eq!(later, "2026-11-27T10:00:00.002Z");
        assert!(later > a);
        assert!(timestamp(time::macros::datetime!(2027-01-01 0:00 UTC)) > later);
    }
}

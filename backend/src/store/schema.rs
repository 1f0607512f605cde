//! The tables: one definition used by the local stack's bootstrap, the tests and
//! (checked against it) the deploy template.
//!
//! The posts table:
//! - Key: `id` (Number). Posts have ids 1, 2, 3, ...; the item with id 0 is the counter
//!   that hands them out (`ADD` on its `last_id`), so new ids never need a scan.
//! - Index [`FEED_INDEX`]: partition `feed` (always [`FEED`]), sort `id`. Only posts carry
//!   `feed`, so the counter stays out of it. Listing newest first is one Query on it,
//!   and a page costs O(page size) whatever the table's size. It projects only what
//!   the list shows ([`SUMMARY_ATTRS`]), not the contents: a page stays far below
//!   DynamoDB's 1 MB per Query, and a long post is written to the index at a fraction
//!   of its size. Posts keep their author's `sub`, not a name: the name shown is the
//!   author's current one, from the people table.
//!
//! The people table, keyed by [`PEOPLE_KEY`] (String), holds three kinds of item:
//! - `user#<sub>`: a person's display name, its key and when it was chosen;
//! - `name#<key>`: the claim on a display name, by the `sub` that holds it. The key
//!   is the name folded ([`super::names::key`]), so names differing only in case or
//!   width claim one item and a conditional put keeps them unique;
//! - `quota#<sub>#<day>`: one person's write counts for a UTC day, removed by
//!   DynamoDB's time to live ([`TTL_ATTR`]) once the day is over.
//!
//! The comments table, keyed by [`THREAD_KEY`] (String) and [`THREAD_SORT`] (String),
//! holds the conversations:
//! - comments, in their post's partition `post#<id>`, sorted so that one Query returns
//!   a thread in display order: `c#<comment>` for a comment under the post, then
//!   `c#<comment>#<reply>` for each reply to it (ids start with their time, so both
//!   come oldest first);
//! - notices, in their recipient's partition `notice#<sub>`, sorted `n#<comment>`
//!   (newest last), each expiring by time to live ([`TTL_ATTR`]) after 30 days, and the
//!   recipient's read marker `read`;
//! - `purge` / `post#<id>`: a deleted post whose comments are still being removed.

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
};

/// The table's partition key.
pub const KEY: &str = "id";
/// The index that lists posts newest first.
pub const FEED_INDEX: &str = "feed-by-id";
/// The index's partition key.
pub const FEED_KEY: &str = "feed";
/// The one value of [`FEED_KEY`].
pub const FEED: &str = "post";
/// The id of the counter item.
pub const COUNTER_ID: u64 = 0;
/// The attributes the feed index carries besides its keys: a post's summary.
pub const SUMMARY_ATTRS: [&str; 5] = ["title", "excerpt", "author_sub", "created_at", "updated_at"];
/// The counter item's attribute holding the last id handed out.
pub const COUNTER_ATTR: &str = "last_id";
/// The people table's partition key.
pub const PEOPLE_KEY: &str = "pk";
/// The people and comments tables' time-to-live attribute (seconds since the epoch).
pub const TTL_ATTR: &str = "expires_at";
/// The comments table's partition key.
pub const THREAD_KEY: &str = "pk";
/// The comments table's sort key.
pub const THREAD_SORT: &str = "sk";

/// The attributes the keys use, with their types.
pub fn attribute_definitions() -> Vec<AttributeDefinition> {
    [
        (KEY, ScalarAttributeType::N),
        (FEED_KEY, ScalarAttributeType::S),
    ]
    .into_iter()
    .filter_map(|(name, ty)| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ty)
            .build()
            .ok()
    })
    .collect()
}

/// The table's primary key.
pub fn key_schema() -> Vec<KeySchemaElement> {
    [(KEY, KeyType::Hash)].into_iter().filter_map(key).collect()
}

/// The index that lists posts newest first, projecting their summaries so a page
/// needs no further reads.
pub fn global_secondary_indexes() -> Vec<GlobalSecondaryIndex> {
    let projection = Projection::builder()
        .projection_type(ProjectionType::Include)
        .set_non_key_attributes(Some(SUMMARY_ATTRS.map(str::to_owned).to_vec()))
        .build();
    GlobalSecondaryIndex::builder()
        .index_name(FEED_INDEX)
        .set_key_schema(Some(
            [(FEED_KEY, KeyType::Hash), (KEY, KeyType::Range)]
                .into_iter()
                .filter_map(key)
                .collect(),
        ))
        .projection(projection)
        .build()
        .into_iter()
        .collect()
}

fn key((name, ty): (&str, KeyType)) -> Option<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(ty)
        .build()
        .ok()
}

/// Creates the table (on-demand billing) as production has it.
pub async fn create_table(client: &Client, table: &str) -> Result<(), aws_sdk_dynamodb::Error> {
    client
        .create_table()
        .table_name(table)
        .set_attribute_definitions(Some(attribute_definitions()))
        .set_key_schema(Some(key_schema()))
        .set_global_secondary_indexes(Some(global_secondary_indexes()))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    Ok(())
}

/// Creates the people table (on-demand billing, time to live on [`TTL_ATTR`]) as
/// production has it.
pub async fn create_people_table(
    client: &Client,
    table: &str,
) -> Result<(), aws_sdk_dynamodb::Error> {
    create_string_keyed(client, table, &[(PEOPLE_KEY, KeyType::Hash)]).await
}

/// The comments table's key: partition and sort, both strings.
pub fn comments_key_schema() -> Vec<KeySchemaElement> {
    [(THREAD_KEY, KeyType::Hash), (THREAD_SORT, KeyType::Range)]
        .into_iter()
        .filter_map(key)
        .collect()
}

/// Creates the comments table (on-demand billing, time to live on [`TTL_ATTR`]) as
/// production has it.
pub async fn create_comments_table(
    client: &Client,
    table: &str,
) -> Result<(), aws_sdk_dynamodb::Error> {
    create_string_keyed(
        client,
        table,
        &[(THREAD_KEY, KeyType::Hash), (THREAD_SORT, KeyType::Range)],
    )
    .await
}

/// A table keyed by string attributes, with time to live on [`TTL_ATTR`].
async fn create_string_keyed(
    client: &Client,
    table: &str,
    keys: &[(&str, KeyType)],
) -> Result<(), aws_sdk_dynamodb::Error> {
    let definitions = keys
        .iter()
        .filter_map(|(name, _)| {
            AttributeDefinition::builder()
                .attribute_name(*name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .ok()
        })
        .collect();
    client
        .create_table()
        .table_name(table)
        .set_attribute_definitions(Some(definitions))
        .set_key_schema(Some(
            keys.iter().cloned().filter_map(key).collect::<Vec<_>>(),
        ))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await?;
    client
        .update_time_to_live()
        .table_name(table)
        .set_time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTR)
                .enabled(true)
                .build()
                .ok(),
        )
        .send()
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_are_complete() {
        assert_eq!(attribute_definitions().len(), 2);
        assert_eq!(key_schema().len(), 1);
        let indexes = global_secondary_indexes();
        assert_eq!(indexes.len(), 1);
        assert_eq!(indexes[0].key_schema().len(), 2);
    }
}

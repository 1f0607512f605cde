//! The original tutorial's way to add a post, kept here only to measure against: count
//! the table with one `Scan(Select=COUNT)`, then put the post under count + 1. The scan
//! reads the whole table (or its first megabyte) on every write, and two writers who
//! count at the same moment overwrite each other.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, Select};

#[allow(clippy::disallowed_methods)] // The baseline's scan is what it measures.
pub async fn create(
    client: &Client,
    table: &str,
    title: &str,
) -> Result<u64, aws_sdk_dynamodb::Error> {
    let count = client
        .scan()
        .table_name(table)
        .select(Select::Count)
        .send()
        .await?
        .count;
    let id = count.max(0) as u64 + 1;
    let item = HashMap::from([
        ("id".to_owned(), AttributeValue::N(id.to_string())),
        ("title".to_owned(), AttributeValue::S(title.to_owned())),
        (
            "contents".to_owned(),
            AttributeValue::S("baseline".to_owned()),
        ),
    ]);
    client
        .put_item()
        .table_name(table)
        .set_item(Some(item))
        .send()
        .await?;
    Ok(id)
}

/// How many items the table holds, reading every page.
#[allow(clippy::disallowed_methods)] // Counting what the baseline wrote, for the bench alone.
pub async fn count(client: &Client, table: &str) -> Result<u64, aws_sdk_dynamodb::Error> {
    let mut total = 0u64;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .select(Select::Count)
            .set_exclusive_start_key(start)
            .send()
            .await?;
        total += page.count.max(0) as u64;
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return Ok(total),
        }
    }
}

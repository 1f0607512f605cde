//! The function that finishes removing a deleted post's comments, inside Lambda.
//!
//! A post's delete removes a bounded part of its comments before it answers (the API
//! must answer quickly for a post with thousands). The rest is this function's: the
//! posts table's stream (keys only) invokes it with every removed item, and it purges
//! the comments and notices of each removed post. A failure fails the batch, which
//! Lambda retries (the purge is idempotent). Outside Lambda the local server finishes
//! the job in a task of its own instead.

use aws_lambda_events::event::dynamodb::Event;
use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};

use crate::domain::PostId;
use crate::store::schema::KEY;
use crate::store::{Store, StoreError};

/// Purges the comments of every post the stream says was removed.
pub async fn handle(store: &Store, event: Event) -> Result<usize, StoreError> {
    let mut purged = 0;
    for record in event.records {
        if record.event_name != "REMOVE" {
            continue;
        }
        // The counter item (id 0) is never removed; anything else without a post id
        // is not a post.
        let Some(id) = post_id(&record.change.keys) else {
            continue;
        };
        store.purge_comments(id, usize::MAX).await?;
        tracing::info!(post_id = id.get(), "removed a deleted post's comments");
        purged += 1;
    }
    Ok(purged)
}

fn post_id(keys: &serde_dynamo::Item) -> Option<PostId> {
    match keys.get(KEY) {
        Some(serde_dynamo::AttributeValue::N(n)) => PostId::parse(n),
        _ => None,
    }
}

/// Serves the stream's batches until the runtime stops.
pub async fn run(store: Store) -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let store = store.clone();
        async move {
            handle(&store, event.payload)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.detail()))
        }
    }))
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_removed_posts_id_is_read_from_the_stream_keys() {
        let event: Event = serde_json::from_value(serde_json::json!({
            "Records": [
                {"eventID": "1", "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                 "awsRegion": "eu-west-1",
                 "dynamodb": {"Keys": {"id": {"N": "42"}}, "SequenceNumber": "1", "SizeBytes": 10,
                              "StreamViewType": "KEYS_ONLY"}},
                {"eventID": "2", "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
                 "awsRegion": "eu-west-1",
                 "dynamodb": {"Keys": {"id": {"N": "0"}}, "SequenceNumber": "2", "SizeBytes": 10,
                              "StreamViewType": "KEYS_ONLY"}}
            ]
        }))
        .unwrap();
        let ids: Vec<Option<u64>> = event
            .records
            .iter()
            .map(|r| post_id(&r.change.keys).map(PostId::get))
            .collect();
        assert_eq!(ids, [Some(42), None]);
        assert_eq!(event.records[0].event_name, "REMOVE");
    }
}

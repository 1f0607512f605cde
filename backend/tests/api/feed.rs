//! The feed: long posts, DynamoDB's 1 MB per Query, and what a page carries.

use aws_sdk_dynamodb::types::{
    BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
};
use axum::http::{Method, StatusCode};
use backend::store::schema;
use shared::PostPage;

use crate::helpers::{TestApp, config_for};

/// 20,000 emoji: the longest contents a post may have, 80 kB of UTF-8.
fn longest_emoji_contents() -> String {
    "🎉".repeat(shared::validate::CONTENTS_MAX_CHARS)
}

async fn write_long_posts(app: &TestApp, count: u64) -> Vec<u64> {
    let contents = longest_emoji_contents();
    let mut ids = Vec::new();
    for n in 1..=count {
        ids.push(
            app.create(&app.alice, &format!("long {n}"), &contents)
                .await
                .id,
        );
    }
    ids.reverse();
    ids
}

async fn assert_every_post_once_newest_first(app: &TestApp, expected: &[u64]) {
    for limit in [20, 100] {
        let (posts, _) = app.list_all(&app.bob, limit).await;
        let seen: Vec<u64> = posts.iter().map(|p| p.id).collect();
        assert_eq!(seen, expected, "limit {limit}");
    }
}

#[tokio::test]
async fn sixteen_posts_of_twenty_thousand_emoji_are_all_in_the_feed() {
    let app = TestApp::spawn().await;
    let ids = write_long_posts(&app, 16).await;
    assert_every_post_once_newest_first(&app, &ids).await;
}

#[tokio::test]
async fn a_page_cut_at_one_megabyte_still_leads_to_every_older_post() {
    // A table whose index still projects whole posts (as it once did): 16 posts of
    // 80 kB are more than DynamoDB returns for one Query.
    let mut app = TestApp::spawn().await;
    let table = format!("{}-all", app.stack.table);
    let whole_posts = GlobalSecondaryIndex::builder()
        .index_name(schema::FEED_INDEX)
        .key_schema(key(schema::FEED_KEY, KeyType::Hash))
        .key_schema(key(schema::KEY, KeyType::Range))
        .projection(
            Projection::builder()
                .projection_type(ProjectionType::All)
                .build(),
        )
        .build()
        .unwrap();
    app.aws
        .dynamo
        .create_table()
        .table_name(&table)
        .set_attribute_definitions(Some(schema::attribute_definitions()))
        .set_key_schema(Some(schema::key_schema()))
        .global_secondary_indexes(whole_posts)
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let mut config = config_for(&app.aws, &app.stack);
    config.tables.posts = table;
    app.router = backend::app(&config, app.aws.dynamo.clone());

    let ids = write_long_posts(&app, 16).await;
    let first = app
        .call(
            Method::GET,
            "/posts?limit=20",
            Some(&app.bob.id_token),
            None,
        )
        .await;
    assert_eq!(first.status, StatusCode::OK);
    let first: PostPage = serde_json::from_value(first.body).unwrap();
    assert!(
        first.posts.len() < 16,
        "DynamoDB stopped this Query early ({} posts came back)",
        first.posts.len()
    );
    assert!(
        first.next_cursor.is_some(),
        "a page DynamoDB cut short has a cursor"
    );
    assert_every_post_once_newest_first(&app, &ids).await;
}

fn key(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .unwrap()
}

#[tokio::test]
async fn the_list_carries_summaries_with_an_excerpt_and_no_contents() {
    let app = TestApp::spawn().await;
    let contents = format!("First line\n\nsecond {}", "word ".repeat(100));
    let post = app.create(&app.alice, "Summary", &contents).await;
    let reply = app
        .call(Method::GET, "/posts", Some(&app.bob.id_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK);
    let listed = &reply.body["posts"][0];
    assert!(listed.get("contents").is_none(), "{listed}");
    assert_eq!(listed["id"], post.id);
    assert_eq!(listed["title"], "Summary");
    assert_eq!(listed["author"]["id"], app.id_of(&app.alice).await);
    assert!(listed["author"].get("sub").is_none(), "{listed}");
    assert_eq!(
        listed["excerpt"].as_str().unwrap(),
        shared::api::excerpt(&contents)
    );
    assert!(
        listed["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("First line second word")
    );

    // An edit changes the excerpt the list shows.
    let edited = app
        .call(
            Method::PUT,
            &format!("/posts/{}", post.id),
            Some(&app.alice.id_token),
            Some(serde_json::json!({ "title": "Summary", "contents": "Now short" })),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK);
    let reply = app
        .call(Method::GET, "/posts", Some(&app.bob.id_token), None)
        .await;
    assert_eq!(reply.body["posts"][0]["excerpt"], "Now short");
}

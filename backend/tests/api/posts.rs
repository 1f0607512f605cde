//! Creating, reading, paging, editing and deleting posts, against DynamoDB Local.

use std::collections::HashSet;

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn health_needs_no_token() {
    let app = TestApp::spawn().await;
    let reply = app.call(Method::GET, "/health", None, None).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, json!({ "status": "ok" }));
}

#[tokio::test]
async fn a_created_post_is_returned_with_its_location_and_can_be_read_back() {
    let app = TestApp::spawn().await;
    let reply = app
        .call(
            Method::POST,
            "/posts",
            Some(&app.alice.id_token),
            Some(json!({ "title": "  Hello, board  ", "contents": "first line\nsecond line" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    let post = reply.post();
    assert_eq!(
        reply.headers[header::LOCATION],
        format!("/posts/{}", post.id)
    );
    assert_eq!(post.id, 1);
    assert_eq!(post.title, "Hello, board", "the title is stored trimmed");
    assert_eq!(post.contents, "first line\nsecond line");
    assert_eq!(post.author.id, app.id_of(&app.alice).await);
    assert_eq!(post.author.name.as_deref(), Some("Alice"));
    assert_eq!(post.created_at, post.updated_at);

    let read = app.get(&app.bob, post.id).await;
    assert_eq!(read.status, StatusCode::OK);
    assert_eq!(read.post(), post);
    assert_eq!(
        read.headers[header::CACHE_CONTROL],
        "no-store",
        "nobody may cache a post"
    );
}

#[tokio::test]
async fn the_original_tutorial_path_creates_posts_too() {
    let app = TestApp::spawn().await;
    let reply = app
        .call(
            Method::POST,
            "/post",
            Some(&app.alice.id_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED);
    assert_eq!(
        app.get(&app.alice, reply.post().id).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn korean_and_emoji_are_stored_exactly() {
    let app = TestApp::spawn().await;
    let post = app
        .create(
            &app.alice,
            "안녕하세요 👋🏽",
            "게시판에 오신 것을 환영합니다 🎉\n👨‍👩‍👧‍👦",
        )
        .await;
    let read = app.get(&app.alice, post.id).await.post();
    assert_eq!(read.title, "안녕하세요 👋🏽");
    assert_eq!(read.contents, "게시판에 오신 것을 환영합니다 🎉\n👨‍👩‍👧‍👦");
}

#[tokio::test]
async fn an_access_token_is_accepted_as_well_as_an_id_token() {
    let app = TestApp::spawn().await;
    let reply = app
        .call(
            Method::POST,
            "/posts",
            Some(&app.alice.access_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    assert_eq!(reply.post().author.id, app.id_of(&app.alice).await);
}

#[tokio::test]
async fn listing_pages_through_every_post_once_newest_first() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for i in 0..8 {
        created.push(app.create(&app.alice, &format!("post {i}"), "c").await.id);
    }
    let (posts, pages) = app.list_all(&app.bob, 3).await;
    assert_eq!(pages, 3, "8 posts in pages of 3");
    let ids: Vec<u64> = posts.iter().map(|p| p.id).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "strictly newest first: {ids:?}"
    );
    created.reverse();
    assert_eq!(ids, created, "every post exactly once");
}

#[tokio::test]
async fn a_page_that_ends_exactly_at_the_last_post_has_no_cursor() {
    let app = TestApp::spawn().await;
    for i in 0..4 {
        app.create(&app.alice, &format!("post {i}"), "c").await;
    }
    let (posts, pages) = app.list_all(&app.alice, 2).await;
    assert_eq!((posts.len(), pages), (4, 2));
    let empty = app
        .call(Method::GET, "/posts", Some(&app.alice.id_token), None)
        .await;
    assert_eq!(empty.body["posts"].as_array().map(Vec::len), Some(4));
    assert!(empty.body.get("next_cursor").is_none());
}

#[tokio::test]
async fn the_author_can_edit_a_post() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "before", "old").await;
    let reply = app
        .call(
            Method::PUT,
            &format!("/posts/{}", post.id),
            Some(&app.alice.id_token),
            Some(json!({ "title": "after", "contents": "new" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let updated = reply.post();
    assert_eq!(
        (updated.title.as_str(), updated.contents.as_str()),
        ("after", "new")
    );
    assert_eq!(updated.created_at, post.created_at);
    assert!(updated.updated_at >= post.updated_at);
    assert_eq!(updated.author, post.author);
    assert_eq!(app.get(&app.bob, post.id).await.post(), updated);
}

#[tokio::test]
async fn the_author_can_delete_a_post() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "bye", "soon gone").await;
    let path = format!("/posts/{}", post.id);
    let reply = app
        .call(Method::DELETE, &path, Some(&app.alice.id_token), None)
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    assert_eq!(reply.body, serde_json::Value::Null);
    let gone = app.get(&app.alice, post.id).await;
    assert_eq!(
        (gone.status, gone.error_code()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let again = app
        .call(Method::DELETE, &path, Some(&app.alice.id_token), None)
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn someone_else_cannot_edit_or_delete_a_post_and_it_stays_unchanged() {
    let app = TestApp::spawn().await;
    let post = app.create(&app.alice, "mine", "hands off").await;
    let path = format!("/posts/{}", post.id);

    let edit = app
        .call(
            Method::PUT,
            &path,
            Some(&app.bob.id_token),
            Some(json!({ "title": "yours", "contents": "now" })),
        )
        .await;
    assert_eq!(
        (edit.status, edit.error_code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    let delete = app
        .call(Method::DELETE, &path, Some(&app.bob.id_token), None)
        .await;
    assert_eq!(
        (delete.status, delete.error_code()),
        (StatusCode::FORBIDDEN, "forbidden")
    );

    assert_eq!(app.get(&app.alice, post.id).await.post(), post);
}

#[tokio::test]
async fn editing_or_deleting_a_missing_post_is_not_found() {
    let app = TestApp::spawn().await;
    app.create(&app.alice, "one", "c").await;
    let edit = app
        .call(
            Method::PUT,
            "/posts/999",
            Some(&app.alice.id_token),
            Some(json!({ "title": "t", "contents": "c" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::NOT_FOUND);
    let delete = app
        .call(
            Method::DELETE,
            "/posts/999",
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    let get = app.get(&app.alice, 999).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_id_counter_is_not_a_post() {
    // Id 0 holds the counter; it must never be read, edited or deleted as a post.
    let app = TestApp::spawn().await;
    app.create(&app.alice, "one", "c").await;
    let get = app
        .call(Method::GET, "/posts/0", Some(&app.alice.id_token), None)
        .await;
    assert_eq!(get.status, StatusCode::BAD_REQUEST);
    let post = app.create(&app.alice, "two", "c").await;
    assert_eq!(post.id, 2, "the counter still counts");
}

#[tokio::test]
async fn a_hundred_concurrent_creates_get_a_hundred_distinct_ids() {
    let app = TestApp::spawn().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..100 {
        let router = app.router.clone();
        let token = if i % 2 == 0 {
            app.alice.id_token.clone()
        } else {
            app.bob.id_token.clone()
        };
        tasks.spawn(async move {
            use tower::ServiceExt;
            let request = axum::http::Request::post("/posts")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(axum::body::Body::from(
                    json!({ "title": format!("post {i}"), "contents": "c" }).to_string(),
                ))
                .unwrap();
            router.oneshot(request).await.unwrap().status()
        });
    }
    let statuses = tasks.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::CREATED),
        "{statuses:?}"
    );

    let (posts, _) = app.list_all(&app.alice, 100).await;
    let ids: HashSet<u64> = posts.iter().map(|p| p.id).collect();
    assert_eq!(posts.len(), 100, "every post stored");
    assert_eq!(ids.len(), 100, "every id distinct");
    let titles: HashSet<&str> = posts.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(titles.len(), 100, "no post overwrote another");
}

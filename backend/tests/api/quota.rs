//! Write quotas per person, against moto: enforced by DynamoDB's conditional writes,
//! so concurrent requests cannot exceed them and one person's limit costs nobody else
//! a write.

use std::time::Duration;

use axum::http::{Method, StatusCode, header};
use backend::config::Quota;
use serde_json::json;

use crate::helpers::{Reply, TestApp, User};

/// Waits, if need be, until a minute has at least `seconds` left, so a test's burst
/// falls inside one quota window.
async fn with_seconds_left_in_the_minute(seconds: u64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let left = 60 - now % 60;
    if left < seconds {
        tokio::time::sleep(Duration::from_secs(left + 1)).await;
    }
}

async fn post(app: &TestApp, user: &User, title: &str) -> Reply {
    app.call(
        Method::POST,
        "/posts",
        Some(&user.id_token),
        Some(json!({ "title": title, "contents": "c" })),
    )
    .await
}

fn retry_after(reply: &Reply) -> u64 {
    reply.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn twenty_concurrent_writes_from_one_person_make_exactly_the_quota_and_cost_another_nothing()
{
    let app = TestApp::spawn_with(|c| {
        c.quota = Quota {
            per_minute: 5,
            per_day: 100,
        }
    })
    .await;
    with_seconds_left_in_the_minute(30).await;
    let app = &app;
    let alice = (0..20).map(|i| async move { post(app, &app.alice, &format!("alice {i}")).await });
    let bob = (0..5).map(|i| async move { post(app, &app.bob, &format!("bob {i}")).await });
    let (alice, bob) = tokio::join!(
        futures_util::future::join_all(alice),
        futures_util::future::join_all(bob)
    );

    let created = alice
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(
        created,
        5,
        "exactly the quota: {:?}",
        alice.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>()
    );
    for refused in alice.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(
            refused.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            refused.body
        );
        assert_eq!(refused.error_code(), "too_many_requests");
        assert!(
            (1..=60).contains(&retry_after(refused)),
            "{:?}",
            refused.headers
        );
    }
    assert!(
        bob.iter().all(|r| r.status == StatusCode::CREATED),
        "bob lost none"
    );

    let (posts, _) = app.list_all(&app.bob, 100).await;
    let by = |sub: &str| posts.iter().filter(|p| p.author.sub == sub).count();
    assert_eq!(by(&app.alice.sub), 5);
    assert_eq!(by(&app.bob.sub), 5);
}

#[tokio::test]
async fn edits_count_refused_requests_do_not_and_the_day_has_its_own_limit() {
    let app = TestApp::spawn_with(|c| {
        c.quota = Quota {
            per_minute: 100,
            per_day: 3,
        }
    })
    .await;
    let first = app.create(&app.alice, "one", "c").await;
    // Broken rules are refused before the quota: they cost nothing.
    for _ in 0..5 {
        assert_eq!(
            post(&app, &app.alice, " ").await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
    let edit = app
        .call(
            Method::PUT,
            &format!("/posts/{}", first.id),
            Some(&app.alice.id_token),
            Some(json!({ "title": "one, edited", "contents": "c" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::OK);
    app.create(&app.alice, "three", "c").await;

    let over = post(&app, &app.alice, "four").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    assert!(
        over.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("today")
    );
    assert!((1..=86_400).contains(&retry_after(&over)));
    let edit = app
        .call(
            Method::PUT,
            &format!("/posts/{}", first.id),
            Some(&app.alice.id_token),
            Some(json!({ "title": "edited again", "contents": "c" })),
        )
        .await;
    assert_eq!(edit.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        app.get(&app.bob, first.id).await.post().title,
        "one, edited"
    );
    // Deleting is not limited: a person can always take their words back.
    let delete = app
        .call(
            Method::DELETE,
            &format!("/posts/{}", first.id),
            Some(&app.alice.id_token),
            None,
        )
        .await;
    assert_eq!(delete.status, StatusCode::NO_CONTENT);
    // And the limit is Alice's alone.
    app.create(&app.bob, "bob writes", "c").await;
}

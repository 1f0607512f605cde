//! Write quotas per person, against DynamoDB Local, on a clock the tests move: enforced by DynamoDB's conditional writes,
//! so concurrent requests cannot exceed them and one person's limit costs nobody else
//! a write.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use axum::http::{Method, StatusCode, header};
use backend::Clock;
use backend::config::Quota;
use serde_json::json;
use time::OffsetDateTime;

use crate::helpers::{Reply, TestApp, User};

/// A moment 30 seconds into a minute, a few minutes before a UTC midnight: the
/// tests' clock stands here until they move it.
const START: OffsetDateTime = time::macros::datetime!(2026-12-31 23:57:30 UTC);

async fn spawn(per_minute: u32, per_day: u32) -> TestApp {
    TestApp::spawn_at(Clock::manual(START), |c| {
        c.quota = Quota {
            per_minute,
            per_day,
        }
    })
    .await
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
    let app = spawn(5, 100).await;
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
        assert_eq!(retry_after(refused), 30, "the rest of the minute");
    }
    assert!(
        bob.iter().all(|r| r.status == StatusCode::CREATED),
        "bob lost none"
    );

    let (posts, _) = app.list_all(&app.bob, 100).await;
    let by = |id: &str| posts.iter().filter(|p| p.author.id == id).count();
    assert_eq!(by(&app.id_of(&app.alice).await), 5);
    assert_eq!(by(&app.id_of(&app.bob).await), 5);
}

#[tokio::test]
async fn edits_count_refused_requests_do_not_and_the_day_has_its_own_limit() {
    let app = spawn(100, 3).await;
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
    assert_eq!(retry_after(&over), 150, "until midnight, UTC");
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

#[tokio::test]
async fn edits_that_will_be_refused_take_no_unit_of_the_quota() {
    let app = spawn(2, 100).await;
    let alices = app.create(&app.alice, "alice's", "c").await.id;
    let comment = app.comment(&app.alice, alices, "alice's words", None).await;
    let edit = |path: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.call(Method::PUT, &path, Some(&app.bob.id_token), Some(body))
                .await
                .status
        }
    };
    let post_body = json!({ "title": "t", "contents": "c" });
    let comment_body = json!({ "contents": "c" });
    // Someone else's post and comment (403), and ones that are not there (404), many
    // times over a quota of two a minute.
    for _ in 0..3 {
        assert_eq!(
            edit(format!("/posts/{alices}"), post_body.clone()).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            edit(format!("/posts/{}", alices + 1000), post_body.clone()).await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            edit(
                format!("/posts/{alices}/comments/{}", comment.id),
                comment_body.clone()
            )
            .await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            edit(
                format!("/posts/{alices}/comments/1796284768000aaaaaaaa"),
                comment_body.clone()
            )
            .await,
            StatusCode::NOT_FOUND
        );
    }
    // Bob's two units are all still his.
    let own = app.create(&app.bob, "bob's", "c").await.id;
    assert_eq!(
        edit(format!("/posts/{own}"), post_body.clone()).await,
        StatusCode::OK
    );
    let over = post(&app, &app.bob, "third").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
}

#[tokio::test]
async fn the_minute_and_the_day_are_calendar_windows_that_open_again() {
    let app = spawn(2, 5).await;
    for title in ["one", "two"] {
        app.create(&app.alice, title, "c").await;
    }
    let over = post(&app, &app.alice, "three").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&over), 30);
    assert!(
        over.body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("minute"),
        "{}",
        over.body
    );
    // One second before the next minute: still refused, and told so exactly.
    app.clock.advance(Duration::from_secs(29));
    assert_eq!(retry_after(&post(&app, &app.alice, "three").await), 1);
    // The next minute opens the window again; the day counts on.
    app.clock.advance(Duration::from_secs(1));
    for title in ["three", "four"] {
        app.create(&app.alice, title, "c").await;
    }
    app.clock.advance(Duration::from_secs(60));
    app.create(&app.alice, "five", "c").await;
    let over = post(&app, &app.alice, "six").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(retry_after(&over), 60, "at 23:59:00, until midnight, UTC");
    // At midnight a new day begins with a full quota.
    app.clock.advance(Duration::from_secs(60));
    app.create(&app.alice, "six", "c").await;
}

#[tokio::test]
async fn a_days_quota_item_expires_by_time_to_live_the_day_after() {
    let app = spawn(10, 10).await;
    app.create(&app.alice, "one", "c").await;
    let day = START.unix_timestamp() as u64 / 86_400;
    let key = HashMap::from([(
        "pk".to_owned(),
        AttributeValue::S(format!("quota#{}#{day}", app.alice.sub)),
    )]);
    let item = app
        .aws
        .dynamo
        .get_item()
        .table_name(&app.stack.people_table)
        .set_key(Some(key))
        .send()
        .await
        .unwrap()
        .item
        .expect("the day's quota item");
    // The end of the day after: 2027-01-02T00:00:00Z.
    let end_of_next_day = time::macros::datetime!(2027-01-02 0:00 UTC).unix_timestamp();
    assert_eq!(
        item[backend::store::schema::TTL_ATTR],
        AttributeValue::N(end_of_next_day.to_string())
    );
    assert_eq!(item["day_count"], AttributeValue::N("1".to_owned()));
}

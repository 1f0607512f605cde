//! Spawns the app against fresh tables (DynamoDB Local), a fresh user pool and users
//! (moto) for each test.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use backend::Clock;
use backend::config::{AuthConfig, AwsAccess, Config, Quota};
use devstack::{LocalAws, Options, Stack};
use http_body_util::BodyExt;
use serde_json::Value;
use shared::{Post, PostSummary};
use tower::ServiceExt;

pub const PASSWORD: &str = "Correct-horse-9";

/// A signed-in user of the test's pool.
#[derive(Clone)]
pub struct User {
    pub email: String,
    pub sub: String,
    pub id_token: String,
    pub access_token: String,
}

/// The app and what it runs on, made fresh for one test.
pub struct TestApp {
    pub router: Router,
    /// The clock the app reads: the system's, or a manual one the test moves.
    pub clock: Clock,
    pub aws: LocalAws,
    pub stack: Stack,
    /// The fault layer between the app and DynamoDB Local: a plain proxy until the
    /// test gives it a plan.
    pub faults: faults::Proxy,
    pub alice: User,
    pub bob: User,
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// The `code` of an error body, failing the test if the body is not the shared shape.
    pub fn error_code(&self) -> &str {
        let error = &self.body["error"];
        assert!(
            error["message"].is_string(),
            "not an error body: {}",
            self.body
        );
        error["code"]
            .as_str()
            .unwrap_or_else(|| panic!("not an error body: {}", self.body))
    }

    pub fn error_field(&self) -> Option<&str> {
        self.body["error"]["field"].as_str()
    }

    pub fn post(&self) -> Post {
        serde_json::from_value(self.body.clone())
            .unwrap_or_else(|e| panic!("not a post ({e}): {}", self.body))
    }
}

/// The local stand-ins `cargo xtask test` started: moto (`MOTO_ENDPOINT`) and DynamoDB
/// Local (`DYNAMODB_ENDPOINT`).
pub async fn local_aws() -> LocalAws {
    let endpoint = |name: &str| {
        std::env::var(name).unwrap_or_else(|_| {
            panic!("{name} is not set: run the integration tests with `cargo xtask test`, which starts moto and DynamoDB Local")
        })
    };
    LocalAws::connect(&endpoint("MOTO_ENDPOINT"), &endpoint("DYNAMODB_ENDPOINT")).await
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Fresh tables, pool and app client.
pub async fn fresh_stack(aws: &LocalAws) -> Stack {
    let options = Options {
        table: unique("posts"),
        people_table: unique("people"),
        comments_table: unique("comments"),
        pool_name: unique("board"),
        ..Default::default()
    };
    aws.bootstrap(&options).await.expect("bootstrap the stack")
}

/// A confirmed user of `stack`'s pool, signed in through moto's `InitiateAuth`.
pub async fn sign_up(aws: &LocalAws, stack: &Stack, name: &str) -> User {
    let email = format!("{name}-{}@example.com", uuid::Uuid::new_v4().simple());
    aws.create_user(&stack.user_pool_id, &email, PASSWORD)
        .await
        .expect("create user");
    let tokens = aws
        .sign_in(&stack.client_id, &email, PASSWORD)
        .await
        .expect("sign in");
    let claims = devstack::unverified_claims(&tokens.id_token).expect("claims");
    User {
        sub: claims["sub"].as_str().expect("sub").to_owned(),
        email,
        id_token: tokens.id_token,
        access_token: tokens.access_token,
    }
}

/// Writes per person high enough that only the quota's own tests meet the limit.
pub const GENEROUS: Quota = Quota {
    per_minute: 10_000,
    per_day: 100_000,
};

pub fn config_for(aws: &LocalAws, stack: &Stack) -> Config {
    Config {
        tables: stack.tables(),
        quota: GENEROUS,
        auth: AuthConfig {
            issuer: stack.issuer.clone(),
            client_id: stack.client_id.clone(),
            jwks_url: format!(
                "{}/{}/.well-known/jwks.json",
                aws.cognito_endpoint, stack.user_pool_id
            ),
        },
        allowed_origins: Vec::new(),
        public_read: false,
        bind_addr: "127.0.0.1:0".parse().expect("addr"),
        in_lambda: false,
        handler: backend::config::Handler::Api,
        aws: AwsAccess {
            region: devstack::REGION.to_owned(),
            access_key_id: "local".to_owned(),
            secret_access_key: "local".to_owned(),
            session_token: None,
            dynamodb_endpoint: Some(aws.dynamodb_endpoint.clone()),
        },
        origin_secret: None,
    }
}

/// A free loopback port.
pub fn free_port() -> u16 {
    devstack::free_port().expect("a free port")
}

impl TestApp {
    /// The backend's binary as a local server on `port` for this app's table and pool,
    /// configured from its environment alone (nothing inherited from the test's).
    pub fn local_server(&self, port: u16) -> tokio::process::Command {
        let config = config_for(&self.aws, &self.stack);
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_backend"));
        command
            .env_clear()
            .envs(self.stack.backend_env(&self.aws.dynamodb_endpoint))
            .env("WRITES_PER_MINUTE", config.quota.per_minute.to_string())
            .env("WRITES_PER_DAY", config.quota.per_day.to_string())
            .env("BIND_ADDR", format!("127.0.0.1:{port}"))
            .kill_on_drop(true);
        command
    }

    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns the app with its configuration changed by `adjust`.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_at(Clock::system(), adjust).await
    }

    /// Spawns the app reading time from `clock` (a manual one stands still until the
    /// test moves it), with its configuration changed by `adjust`.
    pub async fn spawn_at(clock: Clock, adjust: impl FnOnce(&mut Config)) -> Self {
        let aws = local_aws().await;
        let stack = fresh_stack(&aws).await;
        let (alice, bob) =
            tokio::join!(sign_up(&aws, &stack, "alice"), sign_up(&aws, &stack, "bob"));
        let faults = faults::Proxy::start(&aws.dynamodb_endpoint, faults::Plan::none())
            .await
            .expect("start the fault layer");
        let mut config = config_for(&aws, &stack);
        config.aws.dynamodb_endpoint = Some(faults.endpoint());
        adjust(&mut config);
        // The client the binary builds, retries and timeouts as in production.
        let dynamo = backend::dynamo_client(&config.aws);
        let router = backend::app_with_clock(&config, dynamo, clock.clone());
        let app = Self {
            router,
            clock,
            aws,
            stack,
            faults,
            alice,
            bob,
        };
        app.name(&app.alice, "Alice").await;
        app.name(&app.bob, "Bob").await;
        app
    }

    /// Another confirmed, signed-in user of this app's pool, without a display name.
    pub async fn sign_up(&self, name: &str) -> User {
        sign_up(&self.aws, &self.stack, name).await
    }

    /// `user`'s author id, as `GET /me` tells them.
    pub async fn id_of(&self, user: &User) -> String {
        let me = self
            .call(Method::GET, "/me", Some(&user.access_token), None)
            .await;
        assert_eq!(me.status, StatusCode::OK, "{}", me.body);
        me.body["id"].as_str().expect("an id").to_owned()
    }

    /// A user of this app's pool in the `moderators` group, signed in after joining it.
    pub async fn moderator(&self, name: &str) -> User {
        let user = self.sign_up(name).await;
        self.moderator_of(&user).await
    }

    /// `user`, made a moderator and signed in again: the new tokens say so, while
    /// `user`'s earlier ones still do not.
    pub async fn moderator_of(&self, user: &User) -> User {
        self.aws
            .add_moderator(&self.stack.user_pool_id, &user.email)
            .await
            .expect("add to moderators");
        let tokens = self
            .aws
            .sign_in(&self.stack.client_id, &user.email, PASSWORD)
            .await
            .expect("sign in again");
        User {
            id_token: tokens.id_token,
            access_token: tokens.access_token,
            ..user.clone()
        }
    }

    /// `PUT /me/name` as `user`.
    pub async fn set_name(&self, user: &User, name: &str) -> Reply {
        self.call(
            Method::PUT,
            "/me/name",
            Some(&user.id_token),
            Some(serde_json::json!({ "display_name": name })),
        )
        .await
    }

    /// Gives `user` the display name `name`, failing the test if it is refused.
    pub async fn name(&self, user: &User, name: &str) {
        let reply = self.set_name(user, name).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    }

    /// Sends a request through the router.
    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("read body")
            .to_bytes();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                panic!(
                    "{status}: body is not JSON: {:?}",
                    String::from_utf8_lossy(&bytes)
                )
            })
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    /// A JSON request with an optional bearer token.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        json: Option<Value>,
    ) -> Reply {
        let mut builder = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        let body = match json {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).expect("request")).await
    }

    pub async fn create(&self, user: &User, title: &str, contents: &str) -> Post {
        let reply = self
            .call(
                Method::POST,
                "/posts",
                Some(&user.id_token),
                Some(serde_json::json!({ "title": title, "contents": contents })),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
        reply.post()
    }

    pub async fn get(&self, user: &User, id: u64) -> Reply {
        self.call(
            Method::GET,
            &format!("/posts/{id}"),
            Some(&user.id_token),
            None,
        )
        .await
    }

    /// Every post, following cursors page by page.
    pub async fn list_all(&self, user: &User, limit: u32) -> (Vec<PostSummary>, usize) {
        let mut posts = Vec::new();
        let mut pages = 0;
        let mut cursor: Option<String> = None;
        loop {
            let path = match &cursor {
                Some(c) => format!("/posts?limit={limit}&cursor={c}"),
                None => format!("/posts?limit={limit}"),
            };
            let reply = self
                .call(Method::GET, &path, Some(&user.id_token), None)
                .await;
            assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
            let page: shared::PostPage = serde_json::from_value(reply.body).expect("a page");
            pages += 1;
            assert!(page.posts.len() <= limit as usize);
            posts.extend(page.posts);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return (posts, pages),
            }
            assert!(pages < 1000, "paging does not end");
        }
    }
}

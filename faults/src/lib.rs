//! A fault layer on the wire between a DynamoDB client and DynamoDB Local.
//!
//! Real DynamoDB refuses work that DynamoDB Local never refuses: it cancels a
//! transaction that meets another on the same item (`TransactionCanceledException`,
//! reason `TransactionConflict`), refuses a single-item write to an item inside a
//! transaction (`TransactionConflictException`), throttles, fails now and then with an
//! `InternalServerError`, and, like any network, loses connections and answers. This
//! proxy forwards every request to DynamoDB Local and answers a chosen, seeded share of
//! chosen operations with those failures instead, byte for byte as DynamoDB sends
//! them, so the client's own retry classification is tested too.
//!
//! A [`Plan`] says which faults, for which operations, how often. A running
//! [`Proxy`] takes a new plan at any time ([`Proxy::set_plan`], or `PUT /_faults` with
//! the plan as JSON) and reports what it saw and what it injected ([`Proxy::report`],
//! or `GET /_faults`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Where a running proxy takes a new plan (`PUT`) and tells what it did (`GET`).
pub const CONTROL_PATH: &str = "/_faults";

/// One way DynamoDB (or the network to it) fails a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// `TransactionCanceledException` with one item's reason `TransactionConflict`:
    /// another transaction was working on that item.
    TransactionConflict,
    /// `TransactionCanceledException` with one item's reason `ThrottlingError`.
    TransactionThrottled,
    /// `TransactionConflictException`: a single-item write met an item that an ongoing
    /// transaction holds.
    ConflictWithTransaction,
    /// `ProvisionedThroughputExceededException`: the table or an index is over its
    /// throughput.
    ProvisionedThroughputExceeded,
    /// `ThrottlingException`: too many requests at once (control-plane style).
    Throttling,
    /// `InternalServerError` with HTTP 500.
    InternalServerError,
    /// The connection closes before the request reaches DynamoDB Local.
    DropConnection,
    /// DynamoDB Local applies the request, and the answer is lost (the connection
    /// closes): the client cannot know it was applied.
    LoseAnswer,
    /// DynamoDB Local applies the request, and the answer is held longer than any
    /// client waits ([`Plan::slow_answer_ms`]), then the connection closes.
    SlowAnswer,
}

impl Fault {
    /// Every fault, for a plan that tries them all.
    pub const ALL: [Fault; 9] = [
        Fault::TransactionConflict,
        Fault::TransactionThrottled,
        Fault::ConflictWithTransaction,
        Fault::ProvisionedThroughputExceeded,
        Fault::Throttling,
        Fault::InternalServerError,
        Fault::DropConnection,
        Fault::LoseAnswer,
        Fault::SlowAnswer,
    ];
}

/// One line of a plan: answer `share` of the requests for `operations` with `fault`,
/// at most `most` times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    /// DynamoDB's operation names (`TransactWriteItems`, `PutItem`, ...); empty for
    /// every operation.
    #[serde(default)]
    pub operations: Vec<String>,
    pub fault: Fault,
    /// The share of matching requests it answers, from 0 to 1.
    pub share: f64,
    /// At most this many in all; none for no limit.
    #[serde(default)]
    pub most: Option<u64>,
}

/// Which faults the proxy injects. The first rule that matches a request and whose
/// draw hits answers it; a request no rule takes goes to DynamoDB Local unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The seed of the draws: the same plan over the same sequence of requests
    /// injects the same faults.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// How long a [`Fault::SlowAnswer`] holds the answer before closing.
    #[serde(default = "default_slow_answer_ms")]
    pub slow_answer_ms: u64,
}

fn default_slow_answer_ms() -> u64 {
    10_000
}

/// Operations that write one item.
pub const SINGLE_WRITES: [&str; 3] = ["PutItem", "UpdateItem", "DeleteItem"];
/// Operations that read.
pub const READS: [&str; 5] = [
    "GetItem",
    "Query",
    "BatchGetItem",
    "TransactGetItems",
    "Scan",
];

impl Default for Plan {
    fn default() -> Self {
        Self::none()
    }
}

impl Plan {
    /// No faults: a plain proxy.
    pub fn none() -> Self {
        Self {
            seed: 0,
            rules: Vec::new(),
            slow_answer_ms: default_slow_answer_ms(),
        }
    }

    /// No faults yet, draws seeded with `seed`.
    pub fn seeded(seed: u64) -> Self {
        Self {
            seed,
            ..Self::none()
        }
    }

    /// Adds a rule: `share` of the requests for `operations` (all when empty) get
    /// `fault`.
    #[must_use]
    pub fn with(mut self, fault: Fault, share: f64, operations: &[&str]) -> Self {
        self.rules.push(Rule {
            operations: operations.iter().map(|&o| o.to_owned()).collect(),
            fault,
            share,
            most: None,
        });
        self
    }

    /// Adds a rule: the first `count` requests for `operations` get `fault`.
    #[must_use]
    pub fn first(mut self, count: u64, fault: Fault, operations: &[&str]) -> Self {
        self.rules.push(Rule {
            operations: operations.iter().map(|&o| o.to_owned()).collect(),
            fault,
            share: 1.0,
            most: Some(count),
        });
        self
    }

    /// What a busy table looks like on AWS, `share` of each kind of request:
    /// transactions cancelled by conflicts, single writes refused for an item inside a
    /// transaction, reads throttled. What a person feels with `cargo xtask dev
    /// --faults`.
    pub fn busy(share: f64, seed: u64) -> Self {
        Self::seeded(seed)
            .with(Fault::TransactionConflict, share, &["TransactWriteItems"])
            .with(Fault::ConflictWithTransaction, share, &SINGLE_WRITES)
            .with(Fault::ProvisionedThroughputExceeded, share, &READS)
    }
}

/// What a proxy saw and did since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Requests per operation, faulted or not.
    pub seen: BTreeMap<String, u64>,
    /// Faults injected, per operation and fault.
    pub injected: BTreeMap<String, BTreeMap<Fault, u64>>,
}

impl Report {
    /// How many times `fault` was injected into `operation`.
    pub fn injected(&self, operation: &str, fault: Fault) -> u64 {
        self.injected
            .get(operation)
            .and_then(|f| f.get(&fault))
            .copied()
            .unwrap_or(0)
    }

    /// How many `operation` requests came.
    pub fn seen(&self, operation: &str) -> u64 {
        self.seen.get(operation).copied().unwrap_or(0)
    }

    /// Every fault injected, all operations.
    pub fn total_injected(&self) -> u64 {
        self.injected.values().flat_map(|f| f.values()).sum()
    }
}

/// The plan in force, its draws, and the report.
struct State {
    plan: Plan,
    rng: StdRng,
    /// How often each rule of the plan has fired.
    used: Vec<u64>,
    report: Report,
}

impl State {
    fn new(plan: Plan) -> Self {
        Self {
            rng: StdRng::seed_from_u64(plan.seed),
            used: vec![0; plan.rules.len()],
            plan,
            report: Report::default(),
        }
    }

    fn set_plan(&mut self, plan: Plan) {
        self.rng = StdRng::seed_from_u64(plan.seed);
        self.used = vec![0; plan.rules.len()];
        self.plan = plan;
    }

    /// The fault for one request of `operation`, if any, with a draw to place it.
    fn decide(&mut self, operation: &str) -> Option<(Fault, u64)> {
        *self.report.seen.entry(operation.to_owned()).or_default() += 1;
        for (i, rule) in self.plan.rules.iter().enumerate() {
            let applies =
                rule.operations.is_empty() || rule.operations.iter().any(|o| o == operation);
            if !applies || rule.most.is_some_and(|most| self.used[i] >= most) {
                continue;
            }
            if self.rng.gen_bool(rule.share.clamp(0.0, 1.0)) {
                self.used[i] += 1;
                *self
                    .report
                    .injected
                    .entry(operation.to_owned())
                    .or_default()
                    .entry(rule.fault)
                    .or_default() += 1;
                return Some((rule.fault, self.rng.r#gen()));
            }
        }
        None
    }
}

struct Shared {
    upstream: String,
    client: Client<HttpConnector, Full<Bytes>>,
    state: Mutex<State>,
}

impl Shared {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic elsewhere leaves the counters as they were: still usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A running proxy on a loopback port; it stops when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// Starts a proxy on a free loopback port in front of DynamoDB at `upstream`
    /// (`http://127.0.0.1:8000`), injecting what `plan` says.
    pub async fn start(upstream: &str, plan: Plan) -> std::io::Result<Self> {
        Self::start_on(0, upstream, plan).await
    }

    /// [`Proxy::start`] on loopback port `port` (0 for any free one).
    pub async fn start_on(port: u16, upstream: &str, plan: Plan) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
            state: Mutex::new(State::new(plan)),
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| handle(shared.clone(), request));
                    // A connection that ends in a fault ends with an error: expected.
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// The endpoint to give the DynamoDB client in place of DynamoDB Local's.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Puts `plan` in force from the next request on (its draws start again from its
    /// seed; the report goes on counting).
    pub fn set_plan(&self, plan: Plan) {
        self.shared.state().set_plan(plan);
    }

    /// What the proxy saw and injected so far.
    pub fn report(&self) -> Report {
        self.shared.state().report.clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A request the proxy ends without an answer: hyper closes the connection.
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the fault layer dropped the connection")
    }
}

impl std::error::Error for Dropped {}

type Answer = Result<Response<Full<Bytes>>, Dropped>;

async fn handle(shared: Arc<Shared>, request: Request<Incoming>) -> Answer {
    if request.uri().path() == CONTROL_PATH {
        return control(&shared, request).await;
    }
    let operation = request
        .headers()
        .get("x-amz-target")
        .and_then(|t| t.to_str().ok())
        .and_then(|t| t.rsplit('.').next())
        .unwrap_or_default()
        .to_owned();
    let (parts, body) = request.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let decided = shared.state().decide(&operation);
    let Some((fault, draw)) = decided else {
        return forward(&shared, parts, body).await;
    };
    match fault {
        Fault::TransactionConflict => Ok(cancelled(&body, draw, "TransactionConflict")),
        Fault::TransactionThrottled => Ok(cancelled(&body, draw, "ThrottlingError")),
        Fault::ConflictWithTransaction => Ok(error(
            StatusCode::BAD_REQUEST,
            "com.amazonaws.dynamodb.v20120810#TransactionConflictException",
            "Transaction is ongoing for the item",
        )),
        Fault::ProvisionedThroughputExceeded => Ok(error(
            StatusCode::BAD_REQUEST,
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. \
             Consider increasing your provisioning level with the UpdateTable API.",
        )),
        Fault::Throttling => Ok(error(
            StatusCode::BAD_REQUEST,
            "com.amazon.coral.availability#ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
        )),
        Fault::InternalServerError => Ok(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "Internal server error",
        )),
        Fault::DropConnection => Err(Dropped),
        Fault::LoseAnswer => {
            forward(&shared, parts, body).await?;
            Err(Dropped)
        }
        Fault::SlowAnswer => {
            forward(&shared, parts, body).await?;
            let hold = shared.state().plan.slow_answer_ms;
            tokio::time::sleep(Duration::from_millis(hold)).await;
            Err(Dropped)
        }
    }
}

/// Sends the request on to DynamoDB Local and hands back its answer unchanged.
async fn forward(shared: &Shared, parts: hyper::http::request::Parts, body: Bytes) -> Answer {
    let path = parts
        .uri
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let uri = format!("{}{path}", shared.upstream)
        .parse::<hyper::Uri>()
        .map_err(|_| Dropped)?;
    let mut onward = Request::from_parts(parts, Full::new(body));
    *onward.uri_mut() = uri;
    let answer = shared.client.request(onward).await.map_err(|_| Dropped)?;
    let (parts, body) = answer.into_parts();
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// DynamoDB's error answer: the JSON protocol's `__type` and message.
fn error(status: StatusCode, kind: &str, message: &str) -> Response<Full<Bytes>> {
    json(
        status,
        &serde_json::json!({ "__type": kind, "message": message }),
    )
}

/// A `TransactionCanceledException` for the transaction in `body`, one of its items
/// (chosen by `draw`) refused with `code`, the others `None`, as DynamoDB lists them.
fn cancelled(body: &[u8], draw: u64, code: &str) -> Response<Full<Bytes>> {
    let items = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("TransactItems")
                .and_then(|i| i.as_array())
                .map(Vec::len)
        })
        .unwrap_or(1)
        .max(1);
    let hit = (draw % items as u64) as usize;
    let reasons: Vec<_> = (0..items)
        .map(|i| {
            if i == hit {
                serde_json::json!({ "Code": code, "Message": reason_message(code) })
            } else {
                serde_json::json!({ "Code": "None" })
            }
        })
        .collect();
    let listed = (0..items)
        .map(|i| if i == hit { code } else { "None" })
        .collect::<Vec<_>>()
        .join(", ");
    json(
        StatusCode::BAD_REQUEST,
        &serde_json::json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": format!(
                "Transaction cancelled, please refer cancellation reasons for specific reasons [{listed}]"
            ),
            "CancellationReasons": reasons,
        }),
    )
}

fn reason_message(code: &str) -> &'static str {
    match code {
        "TransactionConflict" => "Transaction is ongoing for the item",
        _ => {
            "Throughput exceeds the current capacity for one or more global secondary indexes. DynamoDB is automatically scaling your index so please try again shortly."
        }
    }
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    response
}

/// `GET /_faults`: the report; `PUT /_faults` with a plan: puts it in force.
async fn control(shared: &Shared, request: Request<Incoming>) -> Answer {
    match *request.method() {
        Method::GET => {
            let report = shared.state().report.clone();
            Ok(json(
                StatusCode::OK,
                &serde_json::to_value(report).unwrap_or_default(),
            ))
        }
        Method::PUT => {
            let body = request
                .into_body()
                .collect()
                .await
                .map_err(|_| Dropped)?
                .to_bytes();
            match serde_json::from_slice::<Plan>(&body) {
                Ok(plan) => {
                    shared.state().set_plan(plan);
                    Ok(json(StatusCode::OK, &serde_json::json!({})))
                }
                Err(e) => Ok(json(
                    StatusCode::BAD_REQUEST,
                    &serde_json::json!({ "error": e.to_string() }),
                )),
            }
        }
        _ => Ok(json(
            StatusCode::METHOD_NOT_ALLOWED,
            &serde_json::json!({ "error": "GET or PUT" }),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_faults() {
        let plan = Plan::busy(0.3, 7);
        let draws = |plan: &Plan| {
            let mut state = State::new(plan.clone());
            (0..200)
                .map(|i| state.decide(if i % 2 == 0 { "PutItem" } else { "Query" }))
                .collect::<Vec<_>>()
        };
        assert_eq!(draws(&plan), draws(&plan));
        assert_ne!(draws(&plan), draws(&Plan::busy(0.3, 8)));
    }

    #[test]
    fn a_share_is_roughly_kept_and_only_for_the_operations_named() {
        let mut state = State::new(Plan::seeded(1).with(
            Fault::TransactionConflict,
            0.3,
            &["TransactWriteItems"],
        ));
        let hits = (0..1000)
            .filter(|_| state.decide("TransactWriteItems").is_some())
            .count();
        assert!((230..=370).contains(&hits), "{hits} of 1000 at 30 %");
        assert!((0..1000).all(|_| state.decide("PutItem").is_none()));
        assert_eq!(state.report.seen("PutItem"), 1000);
        assert_eq!(
            state
                .report
                .injected("TransactWriteItems", Fault::TransactionConflict),
            hits as u64
        );
    }

    #[test]
    fn first_takes_exactly_that_many() {
        let mut state = State::new(Plan::none().first(3, Fault::LoseAnswer, &[]));
        let hits: Vec<_> = (0..10).map(|_| state.decide("PutItem").is_some()).collect();
        assert_eq!(
            hits,
            [
                true, true, true, false, false, false, false, false, false, false
            ]
        );
    }

    #[test]
    fn a_cancellation_names_one_item_of_the_transaction() {
        let body = br#"{"TransactItems":[{"Put":{}},{"Update":{}},{"Put":{}}]}"#;
        let response = cancelled(body, 4, "TransactionConflict");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let bytes = futures_body(response);
        let value: serde_json::Value = serde_json::from_slice(&bytes).expect("json");
        let codes: Vec<_> = value["CancellationReasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .map(|r| r["Code"].as_str().expect("code").to_owned())
            .collect();
        assert_eq!(codes, ["None", "TransactionConflict", "None"]);
        assert!(
            value["__type"]
                .as_str()
                .is_some_and(|t| t.ends_with("#TransactionCanceledException"))
        );
    }

    #[test]
    fn plans_read_and_write_as_json() {
        let plan = Plan::busy(0.2, 3).first(1, Fault::SlowAnswer, &["PutItem"]);
        let text = serde_json::to_string(&plan).expect("json");
        assert_eq!(serde_json::from_str::<Plan>(&text).expect("plan"), plan);
        let short: Plan =
            serde_json::from_str(r#"{"rules":[{"fault":"transaction_conflict","share":0.5}]}"#)
                .expect("plan");
        assert_eq!(short.rules[0].operations, Vec::<String>::new());
        assert_eq!(short.slow_answer_ms, 10_000);
    }

    fn futures_body(response: Response<Full<Bytes>>) -> Bytes {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        runtime
            .block_on(response.into_body().collect())
            .map(|c| c.to_bytes())
            .unwrap_or_default()
    }
}

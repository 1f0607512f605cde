//! The DynamoDB client every write and read goes through, and what it does when
//! DynamoDB is busy.
//!
//! Contention is normal on AWS, not an error: DynamoDB cancels a transaction that
//! meets another on the same item (`TransactionCanceledException`, reason
//! `TransactionConflict`), refuses a single-item write to an item inside an ongoing
//! transaction (`TransactionConflictException`), throttles, and now and then fails or
//! loses an answer. The SDK's standard retry strategy already retries throttling,
//! server errors, timeouts and broken connections; [`Contention`] teaches it the two
//! contention errors. Every call retries within [`RETRY`]'s budget, with full jitter,
//! and a transaction keeps its `ClientRequestToken` across attempts, so one whose
//! answer was lost is not applied twice. Past the budget the store answers
//! [`StoreError::Busy`](super::StoreError::Busy), which the API turns into a 503 with
//! `Retry-After`.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::interceptors::InterceptorContext;
use aws_sdk_dynamodb::config::retry::{
    ClassifyRetry, RetryAction, RetryConfig, RetryPartition, TokenBucket,
};
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::CancellationReason;

use crate::config::AwsAccess;

/// How many times one call is tried in all, and how long the waits between tries may
/// grow: at most 25 + 50 + 100 + 200 ms of waiting (each wait a random share of its
/// bound), so a request that meets contention answers well within a second.
pub struct RetryBudget {
    pub attempts: u32,
    pub first_wait: Duration,
    pub longest_wait: Duration,
}

pub const RETRY: RetryBudget = RetryBudget {
    attempts: 5,
    first_wait: Duration::from_millis(25),
    longest_wait: Duration::from_millis(200),
};

/// How long one attempt may wait for DynamoDB's answer before it counts as lost and
/// is tried again. DynamoDB answers in milliseconds; a lost answer must not hold a
/// request for long, and a slow one on a busy machine must not pass for lost.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long one call may take over all its attempts: past it the answer is a 503,
/// well before the function's own 10 s timeout would end the request without one.
pub const CALL_TIMEOUT: Duration = Duration::from_secs(8);

/// How many retries one client may spend before it stops retrying (the SDK's token
/// bucket: a retry costs 5, a retry after a timeout 10, a success gives 1 back).
/// Bounded so that an outage is not multiplied by every request retrying; each client
/// has its own, so one process's clients (the tests') do not drain each other's.
const RETRY_TOKENS: usize = 500;

/// The client for `access`: the region and credentials Lambda puts in the
/// environment, and locally DynamoDB Local's endpoint (or the fault layer in front of
/// it).
pub fn client(access: &AwsAccess) -> Client {
    let credentials = Credentials::new(
        &access.access_key_id,
        &access.secret_access_key,
        access.session_token.clone(),
        None,
        "environment",
    );
    let mut builder = aws_sdk_dynamodb::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(access.region.clone()))
        .credentials_provider(credentials)
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(RETRY.attempts)
                .with_initial_backoff(RETRY.first_wait)
                .with_max_backoff(RETRY.longest_wait),
        )
        .retry_partition(
            RetryPartition::custom("board-dynamodb")
                .token_bucket(TokenBucket::new(RETRY_TOKENS))
                .build(),
        )
        .retry_classifier(Contention)
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(CALL_TIMEOUT)
                .build(),
        );
    if let Some(endpoint) = &access.dynamodb_endpoint {
        builder = builder.endpoint_url(endpoint);
    }
    Client::from_conf(builder.build())
}

/// Error codes that mean "busy, try again", whatever the operation: what the SDK
/// retries by itself plus the contention it does not know.
pub fn is_busy_code(code: Option<&str>) -> bool {
    matches!(
        code,
        Some(
            "TransactionConflictException"
                | "TransactionInProgressException"
                | "ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "InternalServerError"
                | "ServiceUnavailable"
        )
    )
}

/// Whether a cancelled transaction failed only because DynamoDB was busy (another
/// transaction on an item, throttling), not because a condition of its own said no.
pub fn cancelled_by_contention(reasons: &[CancellationReason]) -> bool {
    let busy = |code: &str| {
        matches!(
            code,
            "TransactionConflict" | "ThrottlingError" | "ProvisionedThroughputExceeded"
        )
    };
    reasons.iter().any(|r| r.code().is_some_and(busy))
        && reasons
            .iter()
            .all(|r| r.code().is_none_or(|c| c == "None" || busy(c)))
}

/// Marks the two contention errors as retryable, as throttling: wait, then try the
/// same request again (a transaction with the same `ClientRequestToken`).
#[derive(Debug)]
struct Contention;

impl ClassifyRetry for Contention {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        let Some(Err(error)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        let Some(error) = error.as_operation_error() else {
            return RetryAction::NoActionIndicated;
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.downcast_ref::<TransactWriteItemsError>()
        {
            return if cancelled_by_contention(cancelled.cancellation_reasons()) {
                RetryAction::throttling_error()
            } else {
                RetryAction::NoActionIndicated
            };
        }
        // Every operation the store makes has its own error type; the code is the same.
        macro_rules! code_of {
            ($($kind:ty),*) => {{
                let mut code = None;
                $(if let Some(e) = error.downcast_ref::<$kind>() {
                    code = e.code();
                })*
                code
            }};
        }
        use aws_sdk_dynamodb::operation::{
            batch_get_item::BatchGetItemError, batch_write_item::BatchWriteItemError,
            delete_item::DeleteItemError, get_item::GetItemError, put_item::PutItemError,
            query::QueryError, update_item::UpdateItemError,
        };
        let code = code_of!(
            PutItemError,
            UpdateItemError,
            DeleteItemError,
            GetItemError,
            QueryError,
            BatchGetItemError,
            BatchWriteItemError,
            TransactWriteItemsError
        );
        if code == Some("TransactionConflictException") {
            RetryAction::throttling_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "DynamoDB contention"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reasons(codes: &[&str]) -> Vec<CancellationReason> {
        codes
            .iter()
            .map(|c| CancellationReason::builder().code(*c).build())
            .collect()
    }

    #[test]
    fn a_transaction_cancelled_by_another_is_contention() {
        assert!(cancelled_by_contention(&reasons(&[
            "None",
            "TransactionConflict"
        ])));
        assert!(cancelled_by_contention(&reasons(&[
            "ThrottlingError",
            "None"
        ])));
    }

    #[test]
    fn a_refused_condition_is_not_contention_even_beside_a_conflict() {
        assert!(!cancelled_by_contention(&reasons(&[
            "ConditionalCheckFailed",
            "None"
        ])));
        assert!(!cancelled_by_contention(&reasons(&[
            "ConditionalCheckFailed",
            "TransactionConflict"
        ])));
        assert!(!cancelled_by_contention(&reasons(&["ValidationError"])));
        assert!(!cancelled_by_contention(&reasons(&["None", "None"])));
    }

    #[test]
    fn the_budget_answers_well_within_a_second() {
        let mut longest = Duration::ZERO;
        let mut wait = RETRY.first_wait;
        for _ in 1..RETRY.attempts {
            longest += wait.min(RETRY.longest_wait);
            wait *= 2;
        }
        assert!(longest <= Duration::from_millis(600), "{longest:?}");
    }
}

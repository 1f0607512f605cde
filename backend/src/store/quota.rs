//! Write quotas: how many posts and edits one person may make in a minute and in a
//! UTC day, counted by DynamoDB so that every Lambda instance sees the same count.
//!
//! One item per person and day (`quota#<sub>#<day>`) holds the day's count and the
//! current minute's. Each write takes a unit with one conditional `UpdateItem` whose
//! condition is the limit itself: however many requests race, DynamoDB applies them
//! one at a time and refuses the first over the limit. The item expires by time to
//! live the day after.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::schema::{PEOPLE_KEY, TTL_ATTR};
use super::{Store, StoreError, number, string};
use crate::config::Quota;

const MINUTE: u64 = 60;
const DAY: u64 = 24 * 60 * 60;
/// Each attempt either takes a unit or learns the state that makes the next one
/// right; more than a few means the item keeps changing under it.
const ATTEMPTS: usize = 6;

/// Which limit a refused write hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Minute,
    Day,
}

/// What the quota item held when a condition failed.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    minute: Option<u64>,
    minute_count: u64,
    day_count: u64,
}

impl Counts {
    fn from_item(item: Option<&std::collections::HashMap<String, AttributeValue>>) -> Self {
        let get = |name: &str| match item.and_then(|i| i.get(name)) {
            Some(AttributeValue::N(n)) => n.parse::<u64>().ok(),
            _ => None,
        };
        Counts {
            minute: get("minute"),
            minute_count: get("minute_count").unwrap_or(0),
            day_count: get("day_count").unwrap_or(0),
        }
    }
}

impl Store {
    /// Takes one write from `sub`'s quota now (by the store's clock), or says when
    /// the next one is allowed.
    pub async fn take_write(&self, sub: &str, quota: Quota) -> Result<(), StoreError> {
        let now = self.clock.now_utc().unix_timestamp().max(0) as u64;
        let (day, mut minute) = (now / DAY, now / MINUTE);
        let key = format!("quota#{sub}#{day}");
        let expires = (day + 2) * DAY;
        let over = |window, minute: u64| {
            let next = match window {
                Window::Minute => (minute + 1) * MINUTE,
                Window::Day => (day + 1) * DAY,
            };
            StoreError::OverQuota {
                retry_after_secs: next.saturating_sub(now).max(1),
                window,
            }
        };
        // Most writes are a person's first in their minute.
        let mut same_minute = false;
        for _ in 0..ATTEMPTS {
            let update = self
                .client
                .update_item()
                .table_name(&self.people)
                .key(PEOPLE_KEY, string(&key))
                .expression_attribute_names("#minute", "minute")
                .expression_attribute_names("#ttl", TTL_ATTR)
                .expression_attribute_values(":one", number(1))
                .expression_attribute_values(":m", number(minute))
                .expression_attribute_values(":day_max", number(quota.per_day.into()))
                .expression_attribute_values(":exp", number(expires))
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                );
            let update = if same_minute {
                update
                    .update_expression(
                        "SET minute_count = minute_count + :one, #ttl = :exp ADD day_count :one",
                    )
                    .condition_expression(
                        "#minute = :m AND minute_count < :minute_max AND day_count < :day_max",
                    )
                    .expression_attribute_values(":minute_max", number(quota.per_minute.into()))
            } else {
                update
                    .update_expression(
                        "SET #minute = :m, minute_count = :one, #ttl = :exp ADD day_count :one",
                    )
                    .condition_expression(
                        "(attribute_not_exists(#minute) OR #minute < :m) \
                         AND (attribute_not_exists(day_count) OR day_count < :day_max)",
                    )
            };
            let failed = match update.send().await {
                Ok(_) => return Ok(()),
                Err(SdkError::ServiceError(e)) => match e.into_err() {
                    UpdateItemError::ConditionalCheckFailedException(failed) => failed,
                    other => return Err(StoreError::service(other)),
                },
                Err(e) => return Err(e.into()),
            };
            let counts = Counts::from_item(failed.item.as_ref());
            if counts.day_count >= u64::from(quota.per_day) {
                return Err(over(Window::Day, minute));
            }
            match counts.minute {
                // Another instance's clock is ahead: count in its minute.
                Some(theirs) if theirs >= minute => {
                    minute = theirs;
                    if counts.minute_count >= u64::from(quota.per_minute) {
                        return Err(over(Window::Minute, minute));
                    }
                    same_minute = true;
                }
                _ => same_minute = false,
            }
        }
        Err(StoreError::Contended("a write quota"))
    }
}

//! The error responses many routes share, said once for the OpenAPI description: a
//! route names the groups it can answer with (`responses(..., SignedIn, JsonInput)`),
//! and lists only what is its own (its success, its 404, a status it words its own way).

use shared::ErrorBody;
use utoipa::IntoResponses;

/// Every route that reads a token.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only its OpenAPI description is used.
pub enum SignedIn {
    #[response(status = 401, description = "No token, or a token that failed verification",
        headers(("WWW-Authenticate" = String,
            description = "`Bearer`, with `error=\"invalid_token\"` for a refused token")))]
    Unauthorized(ErrorBody),
    #[response(
        status = 503,
        description = "The user pool's keys cannot be fetched, or DynamoDB stayed busy over every retry (contention on one item, throttling); try again",
        headers(("Retry-After" = u64,
            description = "When DynamoDB was busy: seconds to wait before trying again"))
    )]
    Unavailable(ErrorBody),
}

/// Every route that reads a JSON body.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum JsonInput {
    #[response(status = 400, description = "The body is not valid JSON")]
    InvalidJson(ErrorBody),
    #[response(status = 413, description = "The body is larger than 256 KiB")]
    TooLarge(ErrorBody),
    #[response(status = 415, description = "The body is not `application/json`")]
    NotJson(ErrorBody),
    #[response(status = 422, description = "A rule broken; `field` names the field")]
    Invalid(ErrorBody),
}

/// Every moderators' route.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Moderating {
    #[response(
        status = 403,
        description = "`forbidden`: the caller is no moderator, or the rules forbid the action; `name_required`: a moderator without a display name"
    )]
    Forbidden(ErrorBody),
}

/// Every route that writes words: they need a display name and a unit of the
/// caller's write quota.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum Writing {
    #[response(
        status = 403,
        description = "`name_required`: the caller has no display name yet; or `suspended`: a moderator suspended the caller (`suspension` says until when and why)"
    )]
    NameRequired(ErrorBody),
    #[response(status = 429, description = "The caller's write quota is used up",
        headers(("Retry-After" = u64, description = "Seconds until the next write is allowed")))]
    OverQuota(ErrorBody),
}

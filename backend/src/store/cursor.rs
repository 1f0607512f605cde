//! The opaque page cursors: of `GET /posts` (the id of the last post on the previous
//! page) and of the lists kept under string keys (comments, notices: the last sort
//! key). Clients must treat them as opaque; anything that does not decode is refused
//! (a 400, never a 500).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const PREFIX: &str = "after:";

pub fn encode(last_id: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{PREFIX}{last_id}"))
}

/// The id to continue after, or `None` if the cursor was not made by [`encode`].
pub fn decode(cursor: &str) -> Option<u64> {
    if cursor.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let digits = text.strip_prefix(PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.starts_with('0') {
        return None;
    }
    digits.parse().ok()
}

const KEY_PREFIX: &str = "key:";

/// The cursor after the item with sort key `key`.
pub fn encode_key(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{KEY_PREFIX}{key}"))
}

/// Cuts `items`, read with a limit of `limit + 1`, to one page of `limit`, and returns
/// the cursor to the next page (after the page's last item, whose sort key `key`
/// gives) when there is one: DynamoDB returned more than a page, or stopped early
/// (`stopped_early`: a `LastEvaluatedKey`, at 1 MB or after a filter).
pub fn cut_page<T, E>(
    items: &mut Vec<T>,
    limit: u32,
    stopped_early: bool,
    key: impl Fn(&T) -> Result<String, E>,
) -> Result<Option<String>, E> {
    let more = items.len() > limit as usize || stopped_early;
    items.truncate(limit as usize);
    match (more, items.last()) {
        (true, Some(last)) => Ok(Some(encode_key(&key(last)?))),
        _ => Ok(None),
    }
}

/// The sort key to continue after, or `None` if the cursor was not made by
/// [`encode_key`]. What the key must look like is the caller's to check.
pub fn decode_key(cursor: &str) -> Option<String> {
    if cursor.len() > 128 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(KEY_PREFIX).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for id in [1, 42, u64::MAX] {
            assert_eq!(decode(&encode(id)), Some(id));
        }
    }

    #[test]
    fn refuses_anything_else() {
        let forged = [
            "",
            "garbage",
            "!!!!",
            &URL_SAFE_NO_PAD.encode("after:"),
            &URL_SAFE_NO_PAD.encode("after:-1"),
            &URL_SAFE_NO_PAD.encode("after:0"),
            &URL_SAFE_NO_PAD.encode("after:007"),
            &URL_SAFE_NO_PAD.encode("after:1e3"),
            &URL_SAFE_NO_PAD.encode("after:99999999999999999999999"),
            &URL_SAFE_NO_PAD.encode("before:5"),
            &URL_SAFE_NO_PAD.encode([0xff, 0xfe]),
        ];
        for cursor in forged {
            assert_eq!(decode(cursor), None, "{cursor:?}");
        }
    }
}

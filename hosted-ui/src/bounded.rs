//! The imitation's memory, bounded: each map of what it gave out or counted (codes,
//! refresh tokens, sessions, wrong passwords, confirmation codes) holds at most
//! [`MAX_ENTRIES`], so a script cannot grow it without end. Making room drops what has
//! expired first, then what expires soonest.

use std::collections::HashMap;
use std::time::Instant;

/// The most entries one map keeps.
pub const MAX_ENTRIES: usize = 10_000;

/// Makes room for one more entry in `map` (nothing to do below the bound): drops the
/// entries `expires` says are over at `now`, then, if it is still full, the one that
/// expires soonest.
pub(crate) fn make_room<V>(
    map: &mut HashMap<String, V>,
    now: Instant,
    expires: impl Fn(&V) -> Instant,
) {
    if map.len() < MAX_ENTRIES {
        return;
    }
    map.retain(|_, value| expires(value) > now);
    while map.len() >= MAX_ENTRIES {
        let Some(soonest) = map
            .iter()
            .min_by_key(|(_, value)| expires(value))
            .map(|(key, _)| key.clone())
        else {
            return;
        };
        map.remove(&soonest);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_full_map_drops_what_expired_then_what_expires_soonest() {
        let now = Instant::now();
        let mut map: HashMap<String, Instant> = (0..MAX_ENTRIES)
            .map(|i| (format!("k{i}"), now + Duration::from_secs(10 + i as u64)))
            .collect();
        make_room(&mut map, now, |at| *at);
        assert_eq!(map.len(), MAX_ENTRIES - 1);
        assert!(!map.contains_key("k0"), "the soonest to expire goes");

        map.insert("old".into(), now - Duration::from_secs(1));
        map.insert("older".into(), now - Duration::from_secs(2));
        assert!(map.len() > MAX_ENTRIES);
        make_room(&mut map, now, |at| *at);
        assert!(!map.contains_key("old") && !map.contains_key("older"));
        assert_eq!(map.len(), MAX_ENTRIES - 1, "the expired made the room");
        assert!(
            map.contains_key("k1"),
            "nothing live went while expired ones could"
        );

        let mut small: HashMap<String, Instant> = HashMap::from([("a".into(), now)]);
        make_room(&mut small, now, |at| *at);
        assert_eq!(
            small.len(),
            1,
            "below the bound nothing goes, expired or not"
        );
    }
}

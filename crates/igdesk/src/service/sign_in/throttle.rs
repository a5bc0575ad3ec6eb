//! Who may try a password now. Three rules, all kept in bounded, expiring maps in
//! this process (a restart forgets them, as it did before):
//!
//! - **Per client address** (an IPv6 address counts by its /64, which one subscriber
//!   holds whole): at most [`ADDRESS_TRIES`] failed tries in [`FAILURE_SPAN`], whatever
//!   the emails. Spraying random or known emails from one address stops there, before
//!   any password is hashed, so changing the email never escapes it.
//! - **Per email**: at most [`EMAIL_TRIES`] failed tries in the span, whatever the
//!   address, so guessing one account's password from many addresses is as slow as
//!   from one.
//! - **Known places**: an email that signed in successfully from an address recently
//!   ([`KNOWN_SPAN`]) is, from that address, held to its own count of
//!   [`EMAIL_TRIES`] failures per span instead of the two rules above.
//!
//! Why the third rule: with the first two alone, anyone who knows an administrator's
//! email could keep them locked out from anywhere with five wrong passwords every
//! quarter of an hour. With it, such an attacker locks the email only for addresses
//! it has not signed in from: the administrator at their usual desk still gets in.
//! It gives an attacker nothing more: a known place's own count allows the same five
//! tries per span as the email's, only to someone at that address (and the address's
//! owner signed in there, so it is theirs or shared with them), and an attacker's own
//! address is known only for accounts whose password it already has. The address
//! rule locks out only the address that failed (and whoever shares it, such as an
//! office behind one NAT; people who signed in there before are known and still get
//! in).
//!
//! Every try is counted as a failure when it starts and forgiven when the password is
//! right, so tries in flight at once cannot overshoot a limit, and a client that hangs
//! up during the hash has spent its try. A success does not clear other failures: an
//! attacker holding one account's password cannot reset its address's count by
//! signing in between guesses.
//!
//! Each map holds at most [`MAX_KEYS`] keys and at most its limit of times per key;
//! a key whose times have all expired is dropped, and when a map is full the keys with
//! the oldest last try go first, so memory stays bounded under random emails.

use igdesk_domain::time::{DAY, MINUTE};
use igdesk_domain::Millis;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;

/// Failed tries within this span count…
pub const FAILURE_SPAN: Millis = 15 * MINUTE;
/// …and an email may have this many of them before it is refused until the span has
/// passed since the oldest.
pub const EMAIL_TRIES: usize = 5;
/// An address may have this many (an office of people mistyping, not a spray).
pub const ADDRESS_TRIES: usize = 30;
/// A successful sign-in makes its address known for the email this long.
pub const KNOWN_SPAN: Millis = 30 * DAY;
/// Keys per map at most (emails are at most 254 characters: a few MB in all).
pub const MAX_KEYS: usize = 10_000;

/// A client address as the rules count it: IPv4 as is, IPv6 by its /64.
pub fn address_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
        },
    }
}

/// Times of recent events per key: at most `keep` per key, each kept for `span`, and
/// at most `cap` keys.
pub(crate) struct Recent<K> {
    span: Millis,
    keep: usize,
    cap: usize,
    map: HashMap<K, VecDeque<Millis>>,
}

impl<K: Hash + Eq + Clone> Recent<K> {
    pub(crate) fn new(span: Millis, keep: usize, cap: usize) -> Self {
        Self {
            span,
            keep: keep.max(1),
            cap: cap.max(1),
            map: HashMap::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// The key's times within the span, oldest first (expired ones are dropped).
    fn live(&mut self, key: &K, now: Millis) -> Option<&VecDeque<Millis>> {
        let span = self.span;
        let times = self.map.get_mut(key)?;
        while times.front().is_some_and(|t| now - t >= span) {
            times.pop_front();
        }
        if times.is_empty() {
            self.map.remove(key);
            return None;
        }
        self.map.get(key)
    }

    /// How many times the key has within the span.
    pub(crate) fn count(&mut self, key: &K, now: Millis) -> usize {
        self.live(key, now).map_or(0, VecDeque::len)
    }

    /// When the key falls below `limit` times, if it is at it now.
    pub(crate) fn full_until(&mut self, key: &K, limit: usize, now: Millis) -> Option<Millis> {
        let span = self.span;
        let times = self.live(key, now)?;
        // The times are sorted: after the n-th newest expires, n - 1 remain.
        (times.len() >= limit).then(|| times[times.len() - limit] + span)
    }

    pub(crate) fn record(&mut self, key: K, now: Millis) {
        if !self.map.contains_key(&key) && self.map.len() >= self.cap {
            self.make_room(now);
        }
        let times = self.map.entry(key).or_default();
        times.push_back(now);
        while times.len() > self.keep {
            times.pop_front();
        }
    }

    /// Takes back one time recorded at `at` (a try that turned out right).
    pub(crate) fn forgive(&mut self, key: &K, at: Millis) {
        if let Some(times) = self.map.get_mut(key) {
            if let Some(i) = times.iter().rposition(|t| *t == at) {
                times.remove(i);
            }
            if times.is_empty() {
                self.map.remove(key);
            }
        }
    }

    /// Drops expired keys; if the map is still full, the eighth of it whose last time
    /// is oldest (a batch, so that a flood of new keys costs O(1) per key on average).
    fn make_room(&mut self, now: Millis) {
        let span = self.span;
        self.map
            .retain(|_, times| times.back().is_some_and(|t| now - t < span));
        if self.map.len() < self.cap {
            return;
        }
        let mut by_age: Vec<(Millis, K)> = self
            .map
            .iter()
            .map(|(k, times)| (times.back().copied().unwrap_or(Millis::MIN), k.clone()))
            .collect();
        let drop = (self.cap / 8).max(1).min(by_age.len());
        by_age.select_nth_unstable_by_key(drop - 1, |(t, _)| *t);
        for (_, key) in by_age.into_iter().take(drop) {
            self.map.remove(&key);
        }
    }
}

struct Maps {
    by_email: Recent<String>,
    by_address: Recent<IpAddr>,
    /// Failures of an email from one of its known places.
    by_place: Recent<(String, IpAddr)>,
    /// Successful sign-ins: (email, address) pairs, the last time each.
    known: Recent<(String, IpAddr)>,
}

/// The sign-in rules' memory (`App::sign_in_failures`).
pub struct SignInFailures {
    maps: Mutex<Maps>,
}

impl Default for SignInFailures {
    fn default() -> Self {
        Self {
            maps: Mutex::new(Maps {
                by_email: Recent::new(FAILURE_SPAN, EMAIL_TRIES, MAX_KEYS),
                by_address: Recent::new(FAILURE_SPAN, ADDRESS_TRIES, MAX_KEYS),
                by_place: Recent::new(FAILURE_SPAN, EMAIL_TRIES, MAX_KEYS),
                known: Recent::new(KNOWN_SPAN, 1, MAX_KEYS),
            }),
        }
    }
}

/// A try under way, counted as failed until [`SignInFailures::succeeded`] says it
/// was right.
#[derive(Debug)]
pub struct Try {
    email: String,
    address: IpAddr,
    at: Millis,
    known_place: bool,
}

/// Seconds from `now` until `until`, at least 1.
fn seconds(until: Millis, now: Millis) -> u64 {
    ((until - now + 999) / 1000).max(1) as u64
}

impl SignInFailures {
    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        // A panic while holding the lock leaves the maps consistent enough (counts).
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A sign-in try of `email` (lower case) from `address`: counted now, or refused
    /// with the seconds to wait.
    pub fn try_sign_in(&self, email: &str, address: IpAddr, now: Millis) -> Result<Try, u64> {
        let address = address_key(address);
        let mut maps = self.maps();
        let place = (email.to_owned(), address);
        let known_place = maps.known.count(&place, now) > 0;
        let locked = if known_place {
            maps.by_place.full_until(&place, EMAIL_TRIES, now)
        } else {
            let by_address = maps.by_address.full_until(&address, ADDRESS_TRIES, now);
            let by_email = maps.by_email.full_until(&place.0, EMAIL_TRIES, now);
            by_address.max(by_email)
        };
        if let Some(until) = locked {
            return Err(seconds(until, now));
        }
        maps.by_email.record(place.0.clone(), now);
        maps.by_address.record(address, now);
        if known_place {
            maps.by_place.record(place, now);
        }
        Ok(Try {
            email: email.to_owned(),
            address,
            at: now,
            known_place,
        })
    }

    /// The password was right: the try is forgiven and the address becomes a known
    /// place of the email.
    pub fn succeeded(&self, done: Try) {
        let mut maps = self.maps();
        maps.by_email.forgive(&done.email, done.at);
        maps.by_address.forgive(&done.address, done.at);
        let place = (done.email, done.address);
        if done.known_place {
            maps.by_place.forgive(&place, done.at);
        }
        maps.known.record(place, done.at);
    }

    /// The password was not checked after all (the hashing pool was busy): the try
    /// is not counted.
    pub fn withdraw(&self, undone: Try) {
        let mut maps = self.maps();
        maps.by_email.forgive(&undone.email, undone.at);
        maps.by_address.forgive(&undone.address, undone.at);
        if undone.known_place {
            maps.by_place
                .forgive(&(undone.email, undone.address), undone.at);
        }
    }

    /// A try at proving the current password of `email` with a session (changing
    /// it): held to the email's rule (no address rule: the session is the client),
    /// counted now, or refused with the seconds to wait. Returns the try's time, for
    /// [`SignInFailures::forgive_current`].
    pub fn try_current_password(&self, email: &str, now: Millis) -> Result<Millis, u64> {
        let mut maps = self.maps();
        let email = email.to_owned();
        if let Some(until) = maps.by_email.full_until(&email, EMAIL_TRIES, now) {
            return Err(seconds(until, now));
        }
        maps.by_email.record(email, now);
        Ok(now)
    }

    /// The current password tried at `at` was right (or was not checked after all):
    /// that try is not counted.
    pub fn forgive_current(&self, email: &str, at: Millis) {
        self.maps().by_email.forgive(&email.to_owned(), at);
    }

    /// Keys held per map: emails, addresses, known places (for tests and metrics).
    pub fn sizes(&self) -> (usize, usize, usize) {
        let maps = self.maps();
        (maps.by_email.len(), maps.by_address.len(), maps.known.len())
    }
}

#[cfg(test)]
mod tests;

//! Deliveries are applied in parts, so that several loops, on one instance or many,
//! apply them side by side while each customer's deliveries are applied in the order
//! they came (issue 16). Intake puts a delivery in the part of its one customer's
//! strand ([`strand_of`], [`part_of_strand`]); one whose events concern several customers, or none that can be
//! told, is a [`BARRIER`]: applied alone, once every delivery before it is applied,
//! and nothing after it is applied before it.
//!
//! One loop at a time applies a part: it takes the part for a batch
//! ([`ProcessingStore::take_part`]), claims the part's due deliveries in order
//! (with those of the other parts it holds),
//! applies and settles them, and lets the part go. On PostgreSQL the right is a
//! session advisory lock, which ends with the session: when an instance is killed,
//! the next taker frees the deliveries it had leased, and they go first.

use crate::Result;
use async_trait::async_trait;
use igdesk_domain::Millis;

/// Parts a customer may fall in.
pub const PARTS: i64 = 16;
/// The part of a delivery applied alone (several customers, or unknown).
pub const BARRIER: i64 = -1;

/// The strand of `(account, customer)` (Instagram ids): the customer's own key among
/// deliveries, the same on every instance and every build (FNV-1a, not the standard
/// library's seeded hash), never [`NO_STRAND`]; [`NO_STRAND`] for none. A delivery
/// waiting for its retry holds back the later ones of its strand (the claims'
/// `strand_clear`), so a customer's deliveries stay in order through failures, while
/// the other customers of its part go on.
pub fn strand_of(customer: Option<(&str, &str)>) -> i64 {
    let Some((account, customer)) = customer else {
        return NO_STRAND;
    };
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in account.bytes().chain([0]).chain(customer.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    match hash as i64 {
        NO_STRAND => 1,
        strand => strand,
    }
}

/// The strand of a delivery whose events concern several customers, or none that can
/// be told (a [`BARRIER`]).
pub const NO_STRAND: i64 = 0;

/// The part of a strand: a part's deliveries are applied by one loop at a time.
pub fn part_of_strand(strand: i64) -> i64 {
    if strand == NO_STRAND {
        BARRIER
    } else {
        ((strand as u64) % PARTS as u64) as i64
    }
}

/// A loop's connection for holding parts (PostgreSQL); SQLite's one instance has a
/// single loop, which holds them all.
pub struct PartSession {
    pub(crate) session: Option<sqlx::AnyConnection>,
}

#[async_trait]
pub trait ProcessingStore: Send + Sync + 'static {
    /// A session to hold parts with; `None` while an older igdesk applies every
    /// delivery on its own (it holds the whole processing right during a rolling
    /// upgrade).
    async fn part_session(&self) -> Result<Option<PartSession>>;
    /// Takes `part` for a batch if no other loop has it, freeing the leases of its
    /// deliveries (whoever held them has stopped). False when another has it.
    async fn take_part(&self, session: &mut PartSession, part: i64) -> Result<bool>;
    async fn release_part(&self, session: &mut PartSession, part: i64) -> Result<()>;
    /// The parts with deliveries due at `now`, barriers included.
    async fn due_parts(&self, now: Millis) -> Result<Vec<i64>>;
    /// Leases up to `limit` due deliveries of `parts` (all held by the caller) in
    /// the order they came, none after the first barrier waiting; for `[BARRIER]`
    /// (a barrier is claimed alone), the first barrier once nothing before it
    /// waits. Several parts in one claim make one batch of them: fewer, larger
    /// statements when the parts are busy.
    async fn claim_parts(
        &self,
        parts: &[i64],
        limit: i64,
        now: Millis,
        lease_until: Millis,
    ) -> Result<Vec<crate::Job>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part_of(customer: Option<(&str, &str)>) -> i64 {
        part_of_strand(strand_of(customer))
    }

    #[test]
    fn a_customer_has_one_part_on_every_build() {
        // Fixed by the algorithm (FNV-1a of "account\0customer", modulo 16), not by
        // the process or the build: instances of different versions agree.
        assert_eq!(part_of(Some(("17841400000000001", "7100"))), 9);
        assert_eq!(part_of(None), BARRIER);
        let parts: std::collections::HashSet<i64> = (0..200)
            .map(|c| part_of(Some(("17841400000000001", &c.to_string()))))
            .collect();
        assert_eq!(
            parts.len() as i64,
            PARTS,
            "customers spread over every part"
        );
    }
}

//! A flood of wrong sign-ins does not stall Meta's webhooks: `igdesk bench sign-in`
//! in short (2 s a phase) against the whole app on SQLite with the simulator playing
//! Meta: webhooks at 1,000/s alone, then with 200 wrong sign-ins a second with random
//! emails, from one address and from an address each, then alone again.
//!
//! The release figures (p99 ≤ 50 ms under the flood) are in docs/BENCHMARKS.md; this
//! test runs on a debug build on a shared machine, so its bound is on the *increase*
//! the flood causes over the same run's webhooks alone, not an absolute figure:
//! p99 under the flood at most twice the worse p99 alone plus 1.5 s. Before hashing
//! was bounded, the 400 hashes each phase starts (some 40 ms of a core each, on a
//! blocking thread apiece) took every core for seconds: acknowledgement p99 was 6 to
//! 7.6 s in this test. After, on a debug build on 2 busy shared cores, it was 100 to
//! 300 ms (alone: 35 to 70 ms); on a slower CI machine, once 957 ms (alone: 79 to
//! 166 ms), because the load generators, the sign-in requests' parsing and the
//! server share the test's two unoptimised threads. The bound fails the old code by
//! a factor of three to four and leaves room for such a machine. It is alone in its
//! file so no other test shares the cores with it.

mod common;

use common::*;
use igdesk::bench::sign_in::{measure, SignInArgs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_acknowledged_promptly_during_a_flood_of_wrong_sign_ins() {
    let app = start_sqlite().await;
    let args = SignInArgs {
        seconds: 2,
        webhook_rate: 1_000,
        sign_in_rate: 200,
        dir: None,
    };
    let phases = measure(&app.running.app, &app.url, APP_SECRET, IG_ID, &args)
        .await
        .unwrap();
    for p in &phases {
        eprintln!(
            "{}: acks p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; sign-ins {:?}",
            p.name, p.acks.p50_ms, p.acks.p99_ms, p.acks.max_ms, p.sign_ins
        );
        assert_eq!(p.acks.failed, 0, "{}: every webhook acknowledged", p.name);
        assert_eq!(p.acks.sent, 2_000, "{}", p.name);
    }
    let [alone, one_address, many_addresses, again] = &phases[..] else {
        panic!("four phases");
    };
    // From one address, the address limit refuses all but the first 30 before any
    // hashing.
    let sprayed = one_address.sign_ins.as_ref().unwrap();
    assert_eq!((sprayed.sent, sprayed.other), (400, 0));
    assert!(sprayed.checked <= 30, "{sprayed:?}");
    assert_eq!(sprayed.checked + sprayed.throttled + sprayed.busy, 400);
    // From many, each is checked or turned away at once as busy; none hangs or fails.
    let botnet = many_addresses.sign_ins.as_ref().unwrap();
    assert_eq!((botnet.sent, botnet.other, botnet.throttled), (400, 0, 0));
    assert!(botnet.checked > 0, "{botnet:?}");

    let alone_p99 = alone.acks.p99_ms.max(again.acks.p99_ms);
    let bound = 2.0 * alone_p99 + 1_500.0;
    for flooded in [one_address, many_addresses] {
        assert!(
            flooded.acks.p99_ms <= bound,
            "{}: ack p99 {:.1} ms, over {bound:.1} ms (alone: {alone_p99:.1} ms)",
            flooded.name,
            flooded.acks.p99_ms
        );
    }
}

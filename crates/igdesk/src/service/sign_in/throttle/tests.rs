use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

const T0: Millis = 1_700_000_000_000;

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(203, 0, 113, last))
}

#[test]
fn a_map_never_holds_more_than_its_cap_of_keys_under_random_keys() {
    let mut recent = Recent::new(FAILURE_SPAN, 5, 1_000);
    for n in 0..50_000u64 {
        recent.record(format!("{n:x}@random.example"), T0 + n as Millis);
        assert!(recent.len() <= 1_000, "{} keys after {n}", recent.len());
    }
    // The newest keys are the ones kept.
    assert_eq!(
        recent.count(&"c34f@random.example".to_owned(), T0 + 50_000),
        1
    );
    assert_eq!(recent.count(&"0@random.example".to_owned(), T0 + 50_000), 0);
}

#[test]
fn a_map_keeps_at_most_its_limit_of_times_per_key() {
    let mut recent = Recent::new(FAILURE_SPAN, 5, 10);
    for n in 0..1_000 {
        recent.record("ana@example.com".to_owned(), T0 + n);
    }
    let times = recent
        .live(&"ana@example.com".to_owned(), T0 + 1_000)
        .unwrap();
    assert_eq!(
        times.iter().copied().collect::<Vec<_>>(),
        (995..1_000).map(|n| T0 + n).collect::<Vec<_>>()
    );
}

#[test]
fn entries_expire_after_the_failure_span() {
    let mut recent = Recent::new(FAILURE_SPAN, 5, 10);
    for n in 0..10 {
        recent.record(format!("{n}@example.com"), T0);
    }
    assert_eq!(recent.len(), 10);
    let later = T0 + FAILURE_SPAN;
    assert_eq!(recent.count(&"3@example.com".to_owned(), later), 0);
    // A full map first drops what has expired rather than anything still live.
    recent.record("new@example.com".to_owned(), later - 1);
    recent.record("newer@example.com".to_owned(), later);
    assert_eq!(recent.len(), 2, "the expired keys made room");
    assert_eq!(recent.count(&"new@example.com".to_owned(), later), 1);
}

#[test]
fn five_failures_lock_an_email_until_the_oldest_expires() {
    let failures = SignInFailures::default();
    for n in 0..5 {
        // From five addresses: the email's own count does not care where.
        failures
            .try_sign_in("ana@example.com", ip(n), T0 + n as Millis * 1_000)
            .unwrap();
    }
    let wait = failures
        .try_sign_in("ana@example.com", ip(9), T0 + 5_000)
        .unwrap_err();
    assert_eq!(wait, (FAILURE_SPAN / 1000 - 5) as u64);
    // Other emails from the same addresses are not held up by it.
    assert!(failures
        .try_sign_in("bo@example.com", ip(0), T0 + 5_000)
        .is_ok());
    // The span after the oldest try, one more may try.
    assert!(failures
        .try_sign_in("ana@example.com", ip(9), T0 + FAILURE_SPAN)
        .is_ok());
}

#[test]
fn changing_the_email_never_escapes_the_address_limit() {
    let failures = SignInFailures::default();
    for n in 0..ADDRESS_TRIES {
        failures
            .try_sign_in(&format!("{n}@random.example"), ip(1), T0)
            .unwrap();
    }
    let wait = failures
        .try_sign_in("fresh@random.example", ip(1), T0 + 1)
        .unwrap_err();
    assert_eq!(wait, (FAILURE_SPAN / 1000) as u64);
    // Another address is not affected.
    assert!(failures
        .try_sign_in("fresh@random.example", ip(2), T0 + 1)
        .is_ok());
    // An IPv6 client counts by its /64: another address in it is the same client.
    let v6 = |last: u16| IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, last));
    for n in 0..ADDRESS_TRIES {
        failures
            .try_sign_in(&format!("{n}@v6.example"), v6(n as u16), T0)
            .unwrap();
    }
    assert!(failures.try_sign_in("x@v6.example", v6(999), T0).is_err());
    let next_64 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
    assert!(failures.try_sign_in("x@v6.example", next_64, T0).is_ok());
}

#[test]
fn tries_in_flight_count_so_they_cannot_overshoot_a_limit() {
    let failures = SignInFailures::default();
    // Five tries started at once, none answered yet: the sixth is refused.
    let started: Vec<Try> = (0..5)
        .map(|_| failures.try_sign_in("ana@example.com", ip(1), T0).unwrap())
        .collect();
    assert!(failures.try_sign_in("ana@example.com", ip(1), T0).is_err());
    // One of them was the right password: forgiven, so there is room for one more.
    let right = started.into_iter().next().unwrap();
    failures.succeeded(right);
    assert!(failures
        .try_sign_in("ana@example.com", ip(2), T0 + 1)
        .is_ok());
}

#[test]
fn an_attacker_elsewhere_cannot_lock_an_agent_out_of_a_known_place() {
    let failures = SignInFailures::default();
    let desk = ip(10);
    let ok = failures.try_sign_in("admin@example.com", desk, T0).unwrap();
    failures.succeeded(ok);
    // Someone elsewhere tries wrong passwords for the admin's email, from many
    // addresses: the email is locked for every address but the known one.
    for n in 0..20 {
        let _ = failures.try_sign_in("admin@example.com", ip(100 + n), T0 + 1_000);
    }
    assert!(failures
        .try_sign_in("admin@example.com", ip(200), T0 + 2_000)
        .is_err());
    let at_desk = failures
        .try_sign_in("admin@example.com", desk, T0 + 2_000)
        .expect("the admin's usual address still gets in");
    failures.succeeded(at_desk);
    // The known place has its own limit: five wrong passwords from it lock it too, so
    // it is no way round the per-email rule for whoever shares the address.
    for _ in 0..EMAIL_TRIES {
        failures
            .try_sign_in("admin@example.com", desk, T0 + 3_000)
            .unwrap();
    }
    assert!(failures
        .try_sign_in("admin@example.com", desk, T0 + 3_000)
        .is_err());
    // A known place is per email: the address is not known for other accounts.
    for n in 0..EMAIL_TRIES as u8 {
        failures
            .try_sign_in("bo@example.com", ip(150 + n), T0)
            .unwrap();
    }
    assert!(failures
        .try_sign_in("bo@example.com", desk, T0 + 3_000)
        .is_err());
}

#[test]
fn a_success_does_not_reset_the_address_count() {
    let failures = SignInFailures::default();
    for n in 0..ADDRESS_TRIES - 1 {
        failures
            .try_sign_in(&format!("{n}@spray.example"), ip(1), T0)
            .unwrap();
    }
    // The sprayer signs in to an account it holds: only that try is forgiven.
    let own = failures
        .try_sign_in("mine@spray.example", ip(1), T0)
        .unwrap();
    failures.succeeded(own);
    failures
        .try_sign_in("last@spray.example", ip(1), T0)
        .unwrap();
    assert!(failures
        .try_sign_in("more@spray.example", ip(1), T0)
        .is_err());
}

#[test]
fn memory_stays_bounded_under_a_flood_of_random_emails_from_many_addresses() {
    let failures = SignInFailures::default();
    for n in 0..(3 * MAX_KEYS as u32) {
        let address = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n));
        let _ = failures.try_sign_in(&format!("{n:x}@random.example"), address, T0 + n as Millis);
    }
    let (emails, addresses, known) = failures.sizes();
    assert!(
        emails <= MAX_KEYS && addresses <= MAX_KEYS,
        "{emails} {addresses}"
    );
    assert_eq!(known, 0);
}

#[test]
fn proving_a_current_password_counts_towards_the_email() {
    let failures = SignInFailures::default();
    let right = failures
        .try_current_password("ana@example.com", T0)
        .unwrap();
    failures.forgive_current("ana@example.com", right);
    for _ in 0..EMAIL_TRIES {
        failures
            .try_current_password("ana@example.com", T0)
            .unwrap();
    }
    assert!(failures
        .try_current_password("ana@example.com", T0)
        .is_err());
    assert!(failures.try_sign_in("ana@example.com", ip(1), T0).is_err());
}

//! `igdesk bench routing --rate`, small, on SQLite: customers written in at a steady
//! rate are each offered once, the agents' consoles accept every offer, and a rate
//! that is not one is refused before anything starts.

mod common;

use common::process::run;

#[test]
fn a_steady_rate_offers_every_customer_and_the_consoles_accept_each_offer() {
    let out = run(
        &[
            "bench",
            "routing",
            "--rate",
            "50",
            "--customers",
            "30",
            "--agents",
            "3",
        ],
        &[],
        "",
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("30 customers writing one after another, 50 a second"),
        "{stdout}"
    );
    assert!(stdout.contains("30 webhooks acknowledged"), "{stdout}");
    assert!(stdout.contains("30 offers in"), "{stdout}");
    // The bench says so on stderr when an acceptance is refused or fails.
    assert!(!stderr.contains("accepting offer"), "{stderr}");
}

#[test]
fn a_rate_that_is_not_a_positive_number_is_refused() {
    for rate in ["--rate=0", "--rate=-5", "--rate=NaN"] {
        let out = run(&["bench", "routing", rate], &[], "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{rate} was accepted");
        assert!(stderr.contains("--rate is webhooks a second"), "{stderr}");
    }
}

use serde_json::Value;

use super::*;
use crate::testutil::{spawn_sim, BIZ};

const EVERY_KIND: &str = include_str!("../../scenarios/every-kind.toml");
const DEMO: &str = include_str!("../../scenarios/demo.toml");

fn error_of(text: &str) -> String {
    format!("{:#}", Scenario::from_toml(text).unwrap_err())
}

#[test]
fn the_example_covers_every_kind() {
    let scenario = Scenario::from_toml(EVERY_KIND).unwrap();
    assert_eq!(scenario.business, BIZ);
    for (kind, _) in step::KINDS {
        assert!(
            scenario.steps.iter().any(|s| s.kind == *kind),
            "every-kind.toml lacks {kind}"
        );
    }
    let demo = Scenario::from_toml(DEMO).unwrap();
    assert_eq!(demo.customers.len(), 8);
    assert_eq!(
        demo.customers[2].profile.name.as_deref(),
        Some("Chloé Martin")
    );
}

#[test]
fn bad_files_get_errors_naming_step_and_field() {
    let head = "business = \"1\"\n[[step]]\nfrom = \"2\"\nkind = \"text\"\ntext = \"hi\"\n";
    let cases: &[(&str, &str)] = &[
        ("[[step]]\nkind = \"text\"\n", "missing field `business`"),
        (&format!("{head}[[step]]\nid = \"x\"\nfrom = \"2\"\nkind = \"txt\"\n"), "step 2 (id \"x\", kind \"txt\"): unknown kind \"txt\""),
        (&format!("{head}[[step]]\nfrom = \"2\"\nkind = \"text\"\n"), "step 2 (kind \"text\"): missing field `text`"),
        (&format!("{head}[[step]]\nfrom = \"2\"\nkind = \"text\"\ntxet = \"a\"\n"), "step 2 (kind \"text\"): unknown field `txet`"),
        (&format!("{head}[[step]]\nfrom = \"2\"\nkind = \"react\"\ntarget = \"m\"\ntext = \"a\"\n"), "field `text` is not used by kind \"react\""),
        (&format!("{head}[[step]]\nkind = \"text\"\ntext = \"a\"\n"), "step 2 (kind \"text\"): missing field `from`"),
        (&format!("{head}[[step]]\nfrom = \"2\"\nkind = \"delete\"\n"), "missing field `target`"),
        (&format!("{head}[[step]]\nkind = \"pause\"\nmillis = \"soon\"\n"), "step 2 (kind \"pause\")"),
        (
            &format!("{head}[[step]]\nfrom = \"2\"\nkind = \"read\"\ntarget = \"later\"\n[[step]]\nid = \"later\"\nfrom = \"2\"\nkind = \"text\"\ntext = \"a\"\n"),
            "step 2: refers to \"later\", the id of a later step (3)",
        ),
        (
            "business = \"1\"\n[[step]]\nid = \"r\"\nfrom = \"2\"\nkind = \"read\"\ntarget = \"m\"\n\
             [[step]]\nfrom = \"2\"\nkind = \"delete\"\ntarget = \"r\"\n",
            "a read step, which has no message id",
        ),
        (&format!("{head}id = \"a\"\n[[step]]\nid = \"a\"\nfrom = \"2\"\nkind = \"unsupported\"\n"), "id \"a\" is already used"),
    ];
    for (text, expected) in cases {
        let error = error_of(text);
        assert!(
            error.contains(expected),
            "expected {expected:?} in {error:?} for:\n{text}"
        );
    }
}

#[tokio::test]
async fn plays_every_kind_with_labels_resolved() {
    let (sim, _, received) = spawn_sim().await;
    let scenario = Scenario::from_toml(EVERY_KIND).unwrap();
    let outcomes = run_scenario(&sim, &scenario).await.unwrap();
    assert_eq!(outcomes.len(), scenario.steps.len());
    let delivered: Vec<_> = outcomes.iter().filter(|o| o.kind != "pause").collect();
    assert!(
        delivered.iter().all(|o| o.status == Some(200)),
        "{outcomes:?}"
    );
    let bodies = received.bodies();
    assert_eq!(bodies.len(), delivered.len(), "one delivery per step");

    let mid_of = |label: &str| {
        outcomes
            .iter()
            .find(|o| o.label.as_deref() == Some(label))
            .unwrap()
            .mid
            .clone()
            .unwrap()
    };
    let item = |i: usize| -> Value {
        let entry = &bodies[i]["entry"][0];
        entry
            .get("messaging")
            .or(entry.get("standby"))
            .or(entry.get("changes"))
            .unwrap()[0]
            .clone()
    };
    let index = |kind: &str| delivered.iter().position(|o| o.kind == kind).unwrap();
    assert_eq!(
        item(index("reply_to"))["message"]["reply_to"]["mid"],
        mid_of("hello").as_str()
    );
    assert_eq!(
        item(index("react"))["reaction"]["mid"],
        mid_of("reply").as_str()
    );
    assert_eq!(item(index("react"))["reaction"]["reaction"], "laugh");
    assert_eq!(
        item(index("delete"))["message"]["mid"],
        mid_of("oops").as_str()
    );
    assert_eq!(
        item(index("comment_reply"))["value"]["parent_id"],
        mid_of("c1").as_str()
    );
    assert_eq!(item(index("unknown"))["message_edit"]["num_edit"], 1);
    // Customers of the file are registered, and writing gave them consent.
    assert!(sim.has_consented(BIZ, "1000001"));
    assert_eq!(
        sim.state().profile(BIZ, "1000001").unwrap().name.as_deref(),
        Some("Ana Souza")
    );
}

#[tokio::test]
async fn plays_through_the_control_endpoint() {
    let (sim, base, received) = spawn_sim().await;
    let response = reqwest::Client::new()
        .post(format!("{base}/_igs/scenario"))
        .body(DEMO)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let outcomes: Vec<ScenarioOutcome> = response.json().await.unwrap();
    assert_eq!(
        outcomes.len(),
        Scenario::from_toml(DEMO).unwrap().steps.len()
    );
    assert_eq!(
        received.bodies().len(),
        outcomes.iter().filter(|o| o.status.is_some()).count()
    );
    assert!(sim.has_consented(BIZ, "1000003"));
    let bad = reqwest::Client::new()
        .post(format!("{base}/_igs/scenario"))
        .body("business = 1")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn a_text_written_a_while_ago_carries_that_time() {
    let (sim, _, received) = spawn_sim().await;
    let toml = format!(
        "business = \"{BIZ}\"\n\n[[step]]\nkind = \"text\"\nfrom = \"1000001\"\ntext = \"Still there?\"\nago_seconds = 7200\n"
    );
    let scenario = Scenario::from_toml(&toml).unwrap();
    let before = crate::ids::now_ms();
    run_scenario(&sim, &scenario).await.unwrap();
    let at = received.bodies()[0]["entry"][0]["messaging"][0]["timestamp"]
        .as_i64()
        .unwrap();
    assert!(
        (before - 7_200_000 - 5_000..=before - 7_200_000 + 5_000).contains(&at),
        "{at}"
    );
    assert!(error_of(&format!(
        "business = \"{BIZ}\"\n[[step]]\nkind = \"image\"\nfrom = \"1\"\nago_seconds = 5\n"
    ))
    .contains("ago_seconds"));
}

#[test]
fn a_scenarios_own_starters_follow_metas_limits() {
    let head = "business = \"1\"\n";
    let breaker = |i: usize| format!("[[ice_breaker]]\nquestion = \"Q{i}?\"\npayload = \"P{i}\"\n");
    let five: String = (0..5).map(breaker).collect();
    let error = error_of(&format!("{head}{five}"));
    assert!(error.contains("at most 4 ice breakers"), "{error}");
    let nested = "[[menu_item]]\ntype = \"nested\"\ntitle = \"More\"\n";
    let error = error_of(&format!("{head}{nested}"));
    assert!(
        error.contains("menu_item") && error.contains("web_url"),
        "{error}"
    );
    let scenario = Scenario::from_toml(&format!("{head}{}", breaker(1))).unwrap();
    let starters = scenario.starters.unwrap();
    assert_eq!(starters.ice_breakers.unwrap()[0]["locale"], "default");
    assert!(starters.persistent_menu.is_none());
    assert!(Scenario::from_toml(head).unwrap().starters.is_none());
}

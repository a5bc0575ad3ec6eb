//! The command line as an operator uses it (SPEC §9, OPS-2, OPS-4).

mod common;

use common::process::run;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn help_lists_every_command() {
    let out = run(&["--help"], &[], "");
    assert!(out.status.success());
    let help = text(&out.stdout);
    for command in [
        "demo", "serve", "migrate", "account", "agent", "backup", "bench",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

#[test]
fn serve_refuses_to_start_on_a_missing_or_bad_setting_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("IGDESK_DATABASE_URL", &db)], "IGDESK_META_APP_SECRET"),
        (
            &[
                ("IGDESK_DATABASE_URL", &db),
                ("IGDESK_META_APP_SECRET", "s"),
                ("IGDESK_META_VERIFY_TOKEN", "v"),
            ],
            "IGDESK_SECRET_KEY",
        ),
        (
            &[
                ("IGDESK_META_APP_SECRET", "s"),
                ("IGDESK_META_VERIFY_TOKEN", "v"),
                ("IGDESK_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
                ("IGDESK_LISTEN", "not-an-address"),
            ],
            "IGDESK_LISTEN",
        ),
        (
            &[
                ("IGDESK_META_APP_SECRET", "s"),
                ("IGDESK_META_VERIFY_TOKEN", "v"),
                ("IGDESK_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
                ("IGDESK_DATABASE_URL", "mysql://db"),
            ],
            "IGDESK_DATABASE_URL",
        ),
        (
            &[
                ("IGDESK_META_APP_SECRET", "s"),
                ("IGDESK_META_VERIFY_TOKEN", "v"),
                ("IGDESK_SECRET_KEY", "short"),
            ],
            "IGDESK_SECRET_KEY",
        ),
    ];
    for (envs, named) in cases {
        let out = run(&["serve"], envs, "");
        assert!(!out.status.success(), "serve started with {envs:?}");
        assert!(
            text(&out.stderr).contains(named),
            "{named} not named in: {}",
            text(&out.stderr)
        );
    }
    let out = run(&["serve", "--config", "/nonexistent/igdesk.toml"], &[], "");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("/nonexistent/igdesk.toml"));
}

#[test]
fn a_settings_file_with_an_unknown_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("igdesk.toml");
    std::fs::write(&file, "meta_app_secert = \"typo\"\n").unwrap();
    let out = run(&["serve", "--config", file.to_str().unwrap()], &[], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("meta_app_secert"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn accounts_agents_migrate_and_backup_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("igdesk.db").display());
    let env = [
        ("IGDESK_DATABASE_URL", db.as_str()),
        ("IGDESK_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
    ];

    let out = run(&["migrate"], &env, "");
    assert!(out.status.success(), "{}", text(&out.stderr));

    let add = [
        "account",
        "add",
        "--ig-id",
        "17841400000000001",
        "--page-id",
        "1001",
        "--page-name",
        "Shop",
        "--username",
        "shop",
        "--token",
        "EAAB-secret-token",
    ];
    let out = run(&add, &env, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("@shop"));
    assert!(
        !text(&out.stdout).contains("EAAB-secret-token"),
        "the token is never shown back"
    );
    let again = run(&add, &env, "");
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let mut bad = add;
    bad[3] = "not-a-number";
    assert!(!run(&bad, &env, "").status.success());
    let no_key = run(&add, &[("IGDESK_DATABASE_URL", db.as_str())], "");
    assert!(text(&no_key.stderr).contains("IGDESK_SECRET_KEY"));

    let agent = [
        "agent",
        "add",
        "--email",
        "ana@example.com",
        "--name",
        "Ana",
        "--inbox",
        "Instagram",
    ];
    let out = run(&agent, &env, "short\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("at least 8"));
    let out = run(&agent, &env, "a good long password\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let token = stdout
        .split("API token (shown once): ")
        .nth(1)
        .expect("a token")
        .trim();
    assert!(token.starts_with("igd_") && token.len() == 68, "{token}");
    let out = run(&agent, &env, "a good long password\n");
    assert!(text(&out.stderr).contains("already exists"));

    let backup = dir.path().join("backup.db");
    let out = run(&["backup", backup.to_str().unwrap()], &env, "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::metadata(&backup).unwrap().len() > 0);
    let out = run(&["backup", backup.to_str().unwrap()], &env, "");
    assert!(!out.status.success(), "an existing file is not overwritten");
    // The copy is a whole store: migrate finds it current.
    let copy = format!("sqlite://{}", backup.display());
    assert!(run(&["migrate"], &[("IGDESK_DATABASE_URL", &copy)], "")
        .status
        .success());
}

/// `--token` on the command line shows the token in the process list and the shell's
/// history: `--token-file PATH` and `--token -` (standard input) keep it
/// out of both, and the token is never printed back.
#[test]
fn account_tokens_come_from_a_file_or_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("igdesk.db").display());
    let env = [
        ("IGDESK_DATABASE_URL", db.as_str()),
        ("IGDESK_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
    ];
    assert!(run(&["migrate"], &env, "").status.success());
    let add = |ig_id: &'static str, username: &'static str, token: &[&str], stdin: &str| {
        let mut args = vec![
            "account",
            "add",
            "--ig-id",
            ig_id,
            "--page-id",
            "1001",
            "--page-name",
            "Shop",
            "--username",
            username,
        ];
        args.extend_from_slice(token);
        run(&args, &env, stdin)
    };
    let no_secret = |out: &std::process::Output, secret: &str| {
        assert!(!text(&out.stdout).contains(secret), "{}", text(&out.stdout));
        assert!(!text(&out.stderr).contains(secret), "{}", text(&out.stderr));
    };

    let file = dir.path().join("token.txt");
    std::fs::write(&file, "EAAB-from-a-file\n").unwrap();
    let file = file.to_str().unwrap();
    let out = add("17841400000000001", "filed", &["--token-file", file], "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("@filed"));
    no_secret(&out, "EAAB-from-a-file");

    let out = add(
        "17841400000000002",
        "piped",
        &["--token", "-"],
        "EAAB-from-stdin\n",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("@piped"));
    no_secret(&out, "EAAB-from-stdin");

    // Both given: refused before anything is stored, the token not echoed.
    let out = add(
        "17841400000000003",
        "both",
        &["--token", "EAAB-both-ways", "--token-file", file],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not both"),
        "{}",
        text(&out.stderr)
    );
    no_secret(&out, "EAAB-both-ways");
    no_secret(&out, "EAAB-from-a-file");
    // Neither, an empty standard input, a missing file: each a clear error.
    let out = add("17841400000000003", "none", &[], "");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--token-file"),
        "{}",
        text(&out.stderr)
    );
    let out = add("17841400000000003", "empty", &["--token", "-"], "\n");
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("empty"), "{}", text(&out.stderr));
    let missing = dir.path().join("nowhere.txt");
    let out = add(
        "17841400000000003",
        "missing",
        &["--token-file", missing.to_str().unwrap()],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("nowhere.txt"),
        "{}",
        text(&out.stderr)
    );

    // The tokens went in as given: reconnect takes a file too, and the store holds
    // them sealed, never as written.
    let out = run(
        &[
            "account",
            "reconnect",
            "--ig-id",
            "17841400000000002",
            "--token-file",
            file,
        ],
        &env,
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    no_secret(&out, "EAAB-from-a-file");
    let bytes = std::fs::read(dir.path().join("igdesk.db")).unwrap();
    let stored = String::from_utf8_lossy(&bytes);
    assert!(!stored.contains("EAAB-from-a-file") && !stored.contains("EAAB-from-stdin"));
}

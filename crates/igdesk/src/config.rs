//! Settings (SPEC §9): a TOML file and/or `IGDESK_*` environment variables, the
//! environment winning. Every value is checked at start; a bad one stops start-up
//! with a message naming it.

use secrecy::SecretString;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the settings file {path}: {reason}")]
    File { path: String, reason: String },
    #[error("setting {setting} (IGDESK_{env}): {problem}")]
    Invalid {
        setting: &'static str,
        env: String,
        problem: String,
    },
}

fn invalid(setting: &'static str, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        setting,
        env: setting.to_uppercase(),
        problem: problem.into(),
    }
}

/// Every setting as text, before checking: file values overlaid by the environment.
#[derive(Debug, Default, Clone)]
pub struct RawSettings {
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub meta_app_secret: Option<String>,
    pub meta_verify_token: Option<String>,
    pub meta_instagram_app_secret: Option<String>,
    pub graph_base_url: Option<String>,
    pub instagram_graph_base_url: Option<String>,
    pub graph_version: Option<String>,
    pub public_url: Option<String>,
    pub secret_key: Option<String>,
    pub workers: Option<String>,
    pub log_format: Option<String>,
    pub send_limit: Option<String>,
    pub send_limit_window_seconds: Option<String>,
    pub echo_grace_seconds: Option<String>,
    pub meta_app_id: Option<String>,
    pub instagram_app_id: Option<String>,
    pub facebook_www_base_url: Option<String>,
    pub instagram_www_base_url: Option<String>,
    pub instagram_api_base_url: Option<String>,
    pub webhook_allow_private: Option<String>,
    pub upload_retention_days: Option<String>,
    pub raw_retention_days: Option<String>,
    pub metrics_token: Option<String>,
    pub trusted_proxies: Option<String>,
}

const KEYS: &[&str] = &[
    "listen",
    "database_url",
    "meta_app_secret",
    "meta_verify_token",
    "meta_instagram_app_secret",
    "graph_base_url",
    "instagram_graph_base_url",
    "graph_version",
    "public_url",
    "secret_key",
    "workers",
    "log_format",
    "send_limit",
    "send_limit_window_seconds",
    "echo_grace_seconds",
    "meta_app_id",
    "instagram_app_id",
    "facebook_www_base_url",
    "instagram_www_base_url",
    "instagram_api_base_url",
    "webhook_allow_private",
    "upload_retention_days",
    "raw_retention_days",
    "metrics_token",
    "trusted_proxies",
];

impl RawSettings {
    /// Reads `file` (if any), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::load_from(file, &env)
    }

    pub fn load_from(
        file: Option<&Path>,
        env: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let mut raw = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| ConfigError::File {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
                raw_from_toml(path, &text)?
            }
            None => RawSettings::default(),
        };
        for key in KEYS {
            if let Some(v) = env.get(&format!("IGDESK_{}", key.to_uppercase())) {
                *raw.slot(key) = Some(v.clone());
            }
        }
        Ok(raw)
    }

    fn slot(&mut self, key: &str) -> &mut Option<String> {
        match key {
            "listen" => &mut self.listen,
            "database_url" => &mut self.database_url,
            "meta_app_secret" => &mut self.meta_app_secret,
            "meta_verify_token" => &mut self.meta_verify_token,
            "meta_instagram_app_secret" => &mut self.meta_instagram_app_secret,
            "graph_base_url" => &mut self.graph_base_url,
            "instagram_graph_base_url" => &mut self.instagram_graph_base_url,
            "graph_version" => &mut self.graph_version,
            "public_url" => &mut self.public_url,
            "secret_key" => &mut self.secret_key,
            "workers" => &mut self.workers,
            "send_limit" => &mut self.send_limit,
            "send_limit_window_seconds" => &mut self.send_limit_window_seconds,
            "echo_grace_seconds" => &mut self.echo_grace_seconds,
            "meta_app_id" => &mut self.meta_app_id,
            "instagram_app_id" => &mut self.instagram_app_id,
            "facebook_www_base_url" => &mut self.facebook_www_base_url,
            "instagram_www_base_url" => &mut self.instagram_www_base_url,
            "instagram_api_base_url" => &mut self.instagram_api_base_url,
            "webhook_allow_private" => &mut self.webhook_allow_private,
            "upload_retention_days" => &mut self.upload_retention_days,
            "raw_retention_days" => &mut self.raw_retention_days,
            "metrics_token" => &mut self.metrics_token,
            "trusted_proxies" => &mut self.trusted_proxies,
            _ => &mut self.log_format,
        }
    }

    pub fn database_url(&self) -> Result<String, ConfigError> {
        let url = self
            .database_url
            .clone()
            .unwrap_or_else(|| "sqlite://igdesk.db".into());
        if url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://")
        {
            Ok(url)
        } else {
            Err(invalid(
                "database_url",
                format!("{url:?} is neither sqlite://FILE nor postgres://…"),
            ))
        }
    }

    pub fn secret_key(&self) -> Result<SecretString, ConfigError> {
        match self.secret_key.as_deref().map(str::trim) {
            None | Some("") => Err(invalid(
                "secret_key",
                "missing: it encrypts stored access tokens (at least 32 characters)",
            )),
            Some(k) if k.chars().count() < 32 => Err(invalid(
                "secret_key",
                "too short: use at least 32 characters",
            )),
            Some(k) => Ok(SecretString::from(k.to_owned())),
        }
    }
}

/// The file's form: the same keys, any TOML scalar accepted and read as text.
fn raw_from_toml(path: &Path, text: &str) -> Result<RawSettings, ConfigError> {
    let file_error = |reason: String| ConfigError::File {
        path: path.display().to_string(),
        reason,
    };
    let values: BTreeMap<String, toml::Value> =
        toml::from_str(text).map_err(|e| file_error(e.to_string()))?;
    let mut raw = RawSettings::default();
    for (key, value) in values {
        if !KEYS.contains(&key.as_str()) {
            return Err(file_error(format!("unknown setting {key:?}")));
        }
        *raw.slot(&key) = Some(match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => return Err(file_error(format!("{key} must be a string or a number"))),
        });
    }
    Ok(raw)
}

/// Everything `igdesk serve` needs, checked.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub database_url: String,
    pub meta_app_secret: SecretString,
    pub meta_verify_token: SecretString,
    pub meta_instagram_app_secret: Option<SecretString>,
    pub graph_base_url: String,
    pub instagram_graph_base_url: String,
    pub graph_version: String,
    pub public_url: String,
    pub secret_key: SecretString,
    pub workers: usize,
    pub log_json: bool,
    /// Messages per account per window (OUT-5): 200 per 5 minutes unless set.
    pub send_limit: usize,
    pub send_limit_window_ms: i64,
    /// After an interrupted send (igdesk stopped while Meta answered), how long to
    /// wait for Meta's echo before sending again.
    pub echo_grace_ms: i64,
    /// Meta's login (ACC-1): the app ids each login path sends to Meta's dialog;
    /// without one, that path's button says what is missing.
    pub meta_app_id: Option<String>,
    pub instagram_app_id: Option<String>,
    pub facebook_www_base_url: String,
    pub instagram_www_base_url: String,
    pub instagram_api_base_url: String,
    /// Outbound webhooks (the Business Messaging API's) may go over http and to
    /// loopback, private and link-local addresses: for development and tests only,
    /// since otherwise a saved URL could reach services inside the network.
    pub webhook_allow_private: bool,
    /// How long an uploaded image is kept (`/media/{id}`): Meta fetches it when the
    /// message is sent, so after this it goes unless an unsent message or a saved
    /// answer still needs it.
    pub upload_retention_ms: i64,
    /// How long a webhook delivery's body (Meta's bytes, with customers' words and
    /// attachment URLs) is kept once processed; then upkeep blanks it.
    pub raw_retention_ms: i64,
    /// `GET /metrics` answers only a scraper sending `Authorization: Bearer` with
    /// this token; without one, `/metrics` is off (404), since its figures (queue
    /// depths, accounts, agents' counts) are not for anyone who can reach the port.
    pub metrics_token: Option<SecretString>,
    /// Reverse proxies (addresses or networks) whose `X-Forwarded-For` is believed:
    /// behind one, the sign-in limits count the client it names, not the proxy.
    /// Empty (the default): the connection's peer is the client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

fn required(
    value: &Option<String>,
    setting: &'static str,
    why: &str,
) -> Result<String, ConfigError> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_owned()),
        _ => Err(invalid(setting, format!("missing: {why}"))),
    }
}

fn http_url(
    value: Option<&str>,
    default: &str,
    setting: &'static str,
) -> Result<String, ConfigError> {
    let url = value.unwrap_or(default).trim_end_matches('/').to_owned();
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(url)
    } else {
        Err(invalid(setting, format!("{url:?} is not an http(s) URL")))
    }
}

/// A scraper's bearer token: 16 characters at least, so it cannot be guessed by
/// trying; blank means none (metrics off).
fn metrics_token(value: &Option<String>) -> Result<Option<SecretString>, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) if v.len() < 16 => Err(invalid(
            "metrics_token",
            "too short: at least 16 characters (Prometheus sends it as a bearer token)",
        )),
        Some(v) => Ok(Some(SecretString::from(v.to_owned()))),
    }
}

/// A Meta app id: digits, as the App Dashboard shows it; unset or empty is none.
fn app_id(value: &Option<String>, setting: &'static str) -> Result<Option<String>, ConfigError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(id) if id.len() <= 32 && id.chars().all(|c| c.is_ascii_digit()) => {
            Ok(Some(id.to_owned()))
        }
        Some(id) => Err(invalid(
            setting,
            format!("{id:?} is not an app id (digits)"),
        )),
    }
}

/// Comma-separated addresses (`10.0.0.5`) or networks (`10.0.0.0/8`); at most 64.
fn trusted_proxies(value: &Option<String>) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    let entries: Vec<&str> = value
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.len() > 64 {
        return Err(invalid("trusted_proxies", "more than 64 entries"));
    }
    entries
        .into_iter()
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    invalid(
                        "trusted_proxies",
                        format!("{entry:?} is not an address or network like 10.0.0.0/8"),
                    )
                })
        })
        .collect()
}

impl TryFrom<RawSettings> for Settings {
    type Error = ConfigError;

    fn try_from(raw: RawSettings) -> Result<Self, ConfigError> {
        let listen_text = raw
            .listen
            .clone()
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let listen = listen_text.parse().map_err(|_| {
            invalid(
                "listen",
                format!("{listen_text:?} is not an address like 127.0.0.1:8080"),
            )
        })?;
        let graph_version = raw.graph_version.clone().unwrap_or_else(|| "v21.0".into());
        if !graph_version.starts_with('v') || graph_version[1..].parse::<f32>().is_err() {
            return Err(invalid(
                "graph_version",
                format!("{graph_version:?} is not like v21.0"),
            ));
        }
        let workers = match raw.workers.as_deref() {
            None => 2,
            Some(w) => w
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| invalid("workers", format!("{w:?} is not a number from 1 to 64")))?,
        };
        let number =
            |value: &Option<String>, setting: &'static str, default: u64, max: u64| match value
                .as_deref()
            {
                None => Ok(default),
                Some(v) => v
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        invalid(setting, format!("{v:?} is not a number from 1 to {max}"))
                    }),
            };
        let send_limit = number(&raw.send_limit, "send_limit", 200, 1_000_000)? as usize;
        let send_limit_window_ms = number(
            &raw.send_limit_window_seconds,
            "send_limit_window_seconds",
            300,
            86_400,
        )? as i64
            * 1000;
        let echo_grace_ms =
            number(&raw.echo_grace_seconds, "echo_grace_seconds", 10, 3_600)? as i64 * 1000;
        let upload_retention_ms = number(
            &raw.upload_retention_days,
            "upload_retention_days",
            30,
            3_650,
        )? as i64
            * igdesk_domain::time::DAY;
        let raw_retention_ms = number(&raw.raw_retention_days, "raw_retention_days", 7, 3_650)?
            as i64
            * igdesk_domain::time::DAY;
        let log_json = match raw.log_format.as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => {
                return Err(invalid(
                    "log_format",
                    format!("{other:?} is not text or json"),
                ))
            }
        };
        let webhook_allow_private = match raw.webhook_allow_private.as_deref().map(str::trim) {
            None | Some("" | "false" | "0") => false,
            Some("true" | "1") => true,
            Some(other) => {
                return Err(invalid(
                    "webhook_allow_private",
                    format!("{other:?} is not true or false"),
                ))
            }
        };
        Ok(Settings {
            listen,
            database_url: raw.database_url()?,
            meta_app_secret: required(
                &raw.meta_app_secret,
                "meta_app_secret",
                "webhooks cannot be verified without Meta's app secret",
            )?
            .into(),
            meta_verify_token: required(
                &raw.meta_verify_token,
                "meta_verify_token",
                "Meta's subscription handshake needs it",
            )?
            .into(),
            meta_instagram_app_secret: raw
                .meta_instagram_app_secret
                .clone()
                .filter(|s| !s.trim().is_empty())
                .map(SecretString::from),
            graph_base_url: http_url(
                raw.graph_base_url.as_deref(),
                "https://graph.facebook.com",
                "graph_base_url",
            )?,
            instagram_graph_base_url: http_url(
                raw.instagram_graph_base_url.as_deref(),
                "https://graph.instagram.com",
                "instagram_graph_base_url",
            )?,
            graph_version,
            public_url: http_url(
                raw.public_url.as_deref(),
                &format!("http://{listen_text}"),
                "public_url",
            )?,
            secret_key: raw.secret_key()?,
            workers,
            log_json,
            send_limit,
            send_limit_window_ms,
            echo_grace_ms,
            meta_app_id: app_id(&raw.meta_app_id, "meta_app_id")?,
            instagram_app_id: app_id(&raw.instagram_app_id, "instagram_app_id")?,
            facebook_www_base_url: http_url(
                raw.facebook_www_base_url.as_deref(),
                "https://www.facebook.com",
                "facebook_www_base_url",
            )?,
            instagram_www_base_url: http_url(
                raw.instagram_www_base_url.as_deref(),
                "https://www.instagram.com",
                "instagram_www_base_url",
            )?,
            instagram_api_base_url: http_url(
                raw.instagram_api_base_url.as_deref(),
                "https://api.instagram.com",
                "instagram_api_base_url",
            )?,
            webhook_allow_private,
            upload_retention_ms,
            raw_retention_ms,
            metrics_token: metrics_token(&raw.metrics_token)?,
            trusted_proxies: trusted_proxies(&raw.trusted_proxies)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const GOOD: &[(&str, &str)] = &[
        ("IGDESK_META_APP_SECRET", "s"),
        ("IGDESK_META_VERIFY_TOKEN", "v"),
        ("IGDESK_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn defaults_fill_what_is_not_said() {
        let s = Settings::try_from(RawSettings::load_from(None, &env(GOOD)).unwrap()).unwrap();
        assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(s.database_url, "sqlite://igdesk.db");
        assert_eq!(s.graph_base_url, "https://graph.facebook.com");
        assert_eq!(s.instagram_graph_base_url, "https://graph.instagram.com");
        assert_eq!(s.facebook_www_base_url, "https://www.facebook.com");
        assert_eq!(s.instagram_www_base_url, "https://www.instagram.com");
        assert_eq!(s.instagram_api_base_url, "https://api.instagram.com");
        assert_eq!((s.meta_app_id, s.instagram_app_id), (None, None));
        assert!(!s.webhook_allow_private);
        assert_eq!(s.upload_retention_ms, 30 * igdesk_domain::time::DAY);
        assert_eq!(s.raw_retention_ms, 7 * igdesk_domain::time::DAY);
    }

    #[test]
    fn raw_retention_is_a_number_of_days() {
        let mut day = env(GOOD);
        day.insert("IGDESK_RAW_RETENTION_DAYS".into(), "1".into());
        let s = Settings::try_from(RawSettings::load_from(None, &day).unwrap()).unwrap();
        assert_eq!(s.raw_retention_ms, igdesk_domain::time::DAY);
        let mut bad = env(GOOD);
        bad.insert("IGDESK_RAW_RETENTION_DAYS".into(), "0".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("IGDESK_RAW_RETENTION_DAYS"),
            "{err}"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let with = |value: &str| {
            let mut pairs = GOOD.to_vec();
            pairs.push(("IGDESK_TRUSTED_PROXIES", value));
            Settings::try_from(RawSettings::load_from(None, &env(&pairs)).unwrap())
        };
        let s = Settings::try_from(RawSettings::load_from(None, &env(GOOD)).unwrap()).unwrap();
        assert!(s.trusted_proxies.is_empty());
        let s = with(" 10.0.0.0/8, 192.168.1.7 ,::1").unwrap();
        let shown: Vec<String> = s.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "192.168.1.7/32", "::1/128"]);
        let error = with("10.0.0.0/8, proxy.local").unwrap_err().to_string();
        assert!(error.contains("IGDESK_TRUSTED_PROXIES"), "{error}");
        assert!(error.contains("\"proxy.local\""), "{error}");
    }

    #[test]
    fn metrics_token_is_optional_and_long_enough() {
        let s = Settings::try_from(RawSettings::load_from(None, &env(GOOD)).unwrap()).unwrap();
        assert!(s.metrics_token.is_none());
        let mut on = env(GOOD);
        on.insert(
            "IGDESK_METRICS_TOKEN".into(),
            "scrape-0123456789abcdef".into(),
        );
        let s = Settings::try_from(RawSettings::load_from(None, &on).unwrap()).unwrap();
        assert!(s.metrics_token.is_some());
        let mut short = env(GOOD);
        short.insert("IGDESK_METRICS_TOKEN".into(), "abc".into());
        let err = Settings::try_from(RawSettings::load_from(None, &short).unwrap()).unwrap_err();
        assert!(err.to_string().contains("IGDESK_METRICS_TOKEN"), "{err}");
    }

    #[test]
    fn upload_retention_is_a_number_of_days() {
        let mut week = env(GOOD);
        week.insert("IGDESK_UPLOAD_RETENTION_DAYS".into(), "7".into());
        let s = Settings::try_from(RawSettings::load_from(None, &week).unwrap()).unwrap();
        assert_eq!(s.upload_retention_ms, 7 * igdesk_domain::time::DAY);
        let mut bad = env(GOOD);
        bad.insert("IGDESK_UPLOAD_RETENTION_DAYS".into(), "0".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("IGDESK_UPLOAD_RETENTION_DAYS"),
            "{err}"
        );
    }

    #[test]
    fn webhook_allow_private_is_true_or_false() {
        let mut on = env(GOOD);
        on.insert("IGDESK_WEBHOOK_ALLOW_PRIVATE".into(), "true".into());
        let s = Settings::try_from(RawSettings::load_from(None, &on).unwrap()).unwrap();
        assert!(s.webhook_allow_private);
        let mut bad = env(GOOD);
        bad.insert("IGDESK_WEBHOOK_ALLOW_PRIVATE".into(), "sometimes".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(
            err.to_string().contains("IGDESK_WEBHOOK_ALLOW_PRIVATE"),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("igdesk.toml");
        std::fs::write(&path, "webhook_allow_private = true\n").unwrap();
        let raw = RawSettings::load_from(Some(&path), &env(GOOD)).unwrap();
        assert!(Settings::try_from(raw).unwrap().webhook_allow_private);
    }

    #[test]
    fn app_ids_are_digits() {
        let mut good = env(GOOD);
        good.insert("IGDESK_META_APP_ID".into(), "1234567890".into());
        let s = Settings::try_from(RawSettings::load_from(None, &good).unwrap()).unwrap();
        assert_eq!(s.meta_app_id.as_deref(), Some("1234567890"));
        let mut bad = env(GOOD);
        bad.insert("IGDESK_INSTAGRAM_APP_ID".into(), "my app".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains("IGDESK_INSTAGRAM_APP_ID"), "{err}");
    }

    #[test]
    fn errors_name_the_setting() {
        let err = Settings::try_from(RawSettings::load_from(None, &env(&GOOD[1..])).unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("IGDESK_META_APP_SECRET"), "{err}");
        let mut bad = env(GOOD);
        bad.insert("IGDESK_LISTEN".into(), "nowhere".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains("IGDESK_LISTEN"), "{err}");
        let mut bad = env(GOOD);
        bad.insert("IGDESK_DATABASE_URL".into(), "mysql://x".into());
        let err = Settings::try_from(RawSettings::load_from(None, &bad).unwrap()).unwrap_err();
        assert!(err.to_string().contains("IGDESK_DATABASE_URL"), "{err}");
    }

    #[test]
    fn the_environment_wins_over_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("igdesk.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:9000\"\nworkers = 3\n").unwrap();
        let mut e = env(GOOD);
        let s = Settings::try_from(RawSettings::load_from(Some(&path), &e).unwrap()).unwrap();
        assert_eq!((s.listen.port(), s.workers), (9000, 3));
        e.insert("IGDESK_LISTEN".into(), "127.0.0.1:9001".into());
        let s = Settings::try_from(RawSettings::load_from(Some(&path), &e).unwrap()).unwrap();
        assert_eq!(s.listen.port(), 9001);
    }

    #[test]
    fn unknown_file_keys_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("igdesk.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let err = RawSettings::load_from(Some(&path), &BTreeMap::new());
        assert!(err.is_err());
    }
}

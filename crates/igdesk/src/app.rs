//! The application's shared state, handed to handlers and workers.

use crate::config::Settings;
use crate::crypto::Sealer;
use crate::intake::writer::IntakeWriter;
use igdesk_meta::Graph;
use igdesk_store::Store;
use secrecy::SecretString;
use std::sync::Arc;
use tokio::sync::Notify;

#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub settings: Arc<Settings>,
    pub graph: Arc<dyn Graph>,
    pub sealer: Sealer,
    pub intake: IntakeWriter,
    /// Wakes the workers when new jobs were written by this process.
    pub jobs_ready: Arc<Notify>,
}

impl App {
    /// The secrets a webhook signature may be made with.
    pub fn signing_secrets(&self) -> Vec<&SecretString> {
        let mut secrets = vec![&self.settings.meta_app_secret];
        secrets.extend(self.settings.meta_instagram_app_secret.as_ref());
        secrets
    }
}

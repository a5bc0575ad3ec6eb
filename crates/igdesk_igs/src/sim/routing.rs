//! Conversation Routing (meta-instagram-api.md §7): which app owns each
//! business–customer thread. Every thread starts owned by the business's own
//! app, igdesk's ([`IGDESK_APP_ID`]); `pass_thread_control` hands it to another
//! app (Instagram's inbox, typically) and `take_thread_control` takes it back.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::world::Pair;

/// The app id the simulator gives igdesk's Meta app: the owner of every thread
/// nobody passed. Real app ids are opaque digits; this one only has to differ
/// from the inbox apps' (Instagram Inbox is 1217981644879628).
pub const IGDESK_APP_ID: &str = "900000000000001";

/// A thread owned by another app than igdesk's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadOwner {
    pub business_ig_id: String,
    pub igsid: String,
    pub app_id: String,
}

#[derive(Debug, Default)]
pub(crate) struct Routing {
    /// Only threads passed to another app; absence means igdesk's app.
    passed: HashMap<Pair, String>,
}

impl Routing {
    pub fn owner(&self, business: &str, igsid: &str) -> &str {
        let key = (business.to_owned(), igsid.to_owned());
        self.passed.get(&key).map_or(IGDESK_APP_ID, String::as_str)
    }

    /// Give the thread to `app_id`; igdesk's own app id takes it back.
    pub fn set_owner(&mut self, business: &str, igsid: &str, app_id: &str) {
        let key = (business.to_owned(), igsid.to_owned());
        if app_id == IGDESK_APP_ID {
            self.passed.remove(&key);
        } else {
            self.passed.insert(key, app_id.to_owned());
        }
    }

    /// Threads owned by other apps, ordered by business then IGSID so that
    /// listings are stable for tests.
    pub fn passed(&self) -> Vec<ThreadOwner> {
        let mut owners: Vec<ThreadOwner> = self
            .passed
            .iter()
            .map(|((business, igsid), app_id)| ThreadOwner {
                business_ig_id: business.clone(),
                igsid: igsid.clone(),
                app_id: app_id.clone(),
            })
            .collect();
        owners.sort_by(|a, b| (&a.business_ig_id, &a.igsid).cmp(&(&b.business_ig_id, &b.igsid)));
        owners
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_start_with_igdesk_and_taking_back_forgets_the_pass() {
        let mut routing = Routing::default();
        assert_eq!(routing.owner("b", "1"), IGDESK_APP_ID);
        routing.set_owner("b", "2", "1217981644879628");
        routing.set_owner("b", "1", "1217981644879628");
        assert_eq!(routing.owner("b", "1"), "1217981644879628");
        assert_eq!(routing.passed()[0].igsid, "1");
        routing.set_owner("b", "1", IGDESK_APP_ID);
        assert_eq!(routing.owner("b", "1"), IGDESK_APP_ID);
        assert_eq!(routing.passed().len(), 1);
    }
}

//! The profile's lists of the company's accounts the customer follows and is
//! followed by (IN-5, seed 000 [D] and [E]), when the company has several
//! connected accounts; with one, the profile says "Follows you" and "You follow
//! them" instead.

use crate::app::App;
use crate::service::error::ServiceError;
use igdesk_domain::CustomerId;
use igdesk_store::{CompanyFollow, Scope};

/// The two lists, of the company's accounts' usernames (`@shop`).
pub struct CompanyLists {
    /// Accounts the customer follows.
    pub follows: Vec<String>,
    /// Accounts that follow the customer.
    pub followed_by: Vec<String>,
    /// Accounts that have not heard from the customer: Instagram tells nothing
    /// there until they write.
    pub unknown: usize,
}

pub async fn lists(
    app: &App,
    scope: Scope,
    id: CustomerId,
) -> Result<Option<CompanyLists>, ServiceError> {
    let accounts = app.store.accounts().await?.len();
    if accounts < 2 {
        return Ok(None);
    }
    let known = app.store.company_follows(scope, id).await?;
    Ok(Some(of(&known, accounts)))
}

fn of(known: &[CompanyFollow], accounts: usize) -> CompanyLists {
    let names = |pick: fn(&CompanyFollow) -> Option<bool>| {
        known
            .iter()
            .filter(|f| pick(f) == Some(true))
            .map(|f| format!("@{}", f.account_username))
            .collect()
    };
    let asked = known
        .iter()
        .filter(|f| f.follows_account.is_some() || f.followed_by_account.is_some())
        .count();
    CompanyLists {
        follows: names(|f| f.follows_account),
        followed_by: names(|f| f.followed_by_account),
        unknown: accounts.saturating_sub(asked),
    }
}

#[cfg(test)]
mod tests {
    use super::of;
    use igdesk_domain::{AccountId, CustomerId};
    use igdesk_store::CompanyFollow;

    fn at(
        account: i64,
        name: &str,
        follows: Option<bool>,
        followed: Option<bool>,
    ) -> CompanyFollow {
        CompanyFollow {
            account: AccountId(account),
            account_username: name.into(),
            customer: CustomerId(account * 10),
            follows_account: follows,
            followed_by_account: followed,
            fetched_at: None,
        }
    }

    #[test]
    fn each_list_names_the_accounts_that_said_yes() {
        let known = [
            at(1, "shop", Some(true), Some(false)),
            at(2, "shop.two", Some(true), Some(true)),
            at(3, "shop.three", None, None),
        ];
        let lists = of(&known, 4);
        assert_eq!(lists.follows, ["@shop", "@shop.two"]);
        assert_eq!(lists.followed_by, ["@shop.two"]);
        assert_eq!(lists.unknown, 2, "one never asked, one not heard from");
    }
}

//! A customer's profile as agents keep it: contact details (RT-7) and merging two
//! profiles of one person.

use super::error::ServiceError;
use crate::app::App;
use igdesk_domain::CustomerId;
use igdesk_store::{Agent, ContactDetails, Customer, MergeOutcome};

/// At most this many characters in a contact field (notes included).
pub const CONTACT_FIELD_CHARS: usize = 2_000;

/// Changes the contact details given (`Some("")` clears a field, `None` keeps it) of a
/// customer the agent sees; answers the customer as they are now.
pub async fn update_contact(
    app: &App,
    agent: &Agent,
    customer: CustomerId,
    contact: ContactDetails,
) -> Result<Customer, ServiceError> {
    check_contact(&contact)?;
    app.store
        .update_contact(agent.scope(), customer, contact)
        .await?
        .ok_or_else(|| ServiceError::not_found("customer"))
}

/// Each field within its length, and an email that looks like one.
fn check_contact(contact: &ContactDetails) -> Result<(), ServiceError> {
    let fields = [
        ("email", &contact.email),
        ("notes", &contact.notes),
        ("phone", &contact.phone),
    ];
    for (field, value) in fields {
        if value
            .as_deref()
            .is_some_and(|v| v.chars().count() > CONTACT_FIELD_CHARS)
        {
            return Err(ServiceError::bad_request(
                "invalid_value",
                format!("{field} must be text of at most 2,000 characters"),
            )
            .field(field));
        }
    }
    if contact
        .email
        .as_deref()
        .is_some_and(|e| !e.is_empty() && !e.contains('@'))
    {
        return Err(
            ServiceError::bad_request("invalid_value", "email is not an email address")
                .field("email"),
        );
    }
    Ok(())
}

/// Merges the profile `other` into `survivor` (RT-7); answers the survivor as it is
/// now. A merge is not undone by the console: the face asks the agent to confirm it
/// before calling this.
pub async fn merge(
    app: &App,
    agent: &Agent,
    survivor: CustomerId,
    other: CustomerId,
) -> Result<Customer, ServiceError> {
    match app
        .store
        .merge_customers(agent.scope(), survivor, other)
        .await?
    {
        MergeOutcome::Merged(customer) => Ok(*customer),
        MergeOutcome::NotFound => Err(ServiceError::not_found("customer")),
        MergeOutcome::SameCustomer => Err(ServiceError::conflict(
            "same_customer",
            "a profile cannot be merged into itself",
        )
        .field("other")),
        MergeOutcome::AlreadyMerged(which) => Err(ServiceError::conflict(
            "already_merged",
            format!("customer {which} was already merged into another profile"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fields_are_bounded_and_an_email_has_an_at() {
        let ok = ContactDetails {
            email: Some("ana@example.com".into()),
            phone: Some(String::new()),
            notes: None,
        };
        assert!(check_contact(&ok).is_ok());
        let long = ContactDetails {
            notes: Some("x".repeat(CONTACT_FIELD_CHARS + 1)),
            ..Default::default()
        };
        assert_eq!(check_contact(&long).unwrap_err().field, Some("notes"));
        let not_an_email = ContactDetails {
            email: Some("ana".into()),
            ..Default::default()
        };
        let refused = check_contact(&not_an_email).unwrap_err();
        assert_eq!(
            (refused.code, refused.field),
            ("invalid_value", Some("email"))
        );
    }
}

//! The answer to `POST /v1.0/message`, in CM.com's response format so CM.com's client
//! libraries read it unchanged: one result per recipient, and CM.com's rule for the
//! HTTP status (400 only when nothing at all was accepted).

use super::codes;
use super::envelope::MsgRejection;
use super::MsgRefusal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CmResponse {
    pub details: String,
    pub error_code: u16,
    pub messages: Vec<CmMessageResult>,
}

/// One recipient of one message. `reference` and `messageDetails` are `null` when
/// absent, as CM.com sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CmMessageResult {
    pub to: String,
    /// `"Accepted"` or `"Rejected"`.
    pub status: String,
    pub reference: Option<String>,
    /// How many Instagram messages it became; 0 when rejected.
    pub parts: u32,
    pub message_details: Option<String>,
    pub message_error_code: u16,
}

pub const ACCEPTED: &str = "Accepted";
pub const REJECTED: &str = "Rejected";
const SOME_REJECTED: &str =
    "This request has one or more errors in its messages. Some or all messages have not been sent.";

impl CmMessageResult {
    pub fn accepted(to: &str, reference: Option<&str>, parts: u32) -> Self {
        CmMessageResult {
            to: to.to_owned(),
            status: ACCEPTED.to_owned(),
            reference: reference.map(str::to_owned),
            parts,
            message_details: None,
            message_error_code: codes::OK,
        }
    }

    pub fn rejected(to: &str, reference: Option<&str>, code: u16, text: &str) -> Self {
        CmMessageResult {
            to: to.to_owned(),
            status: REJECTED.to_owned(),
            reference: reference.map(str::to_owned),
            parts: 0,
            message_details: Some(text.to_owned()),
            message_error_code: code,
        }
    }

    /// A message refused for all its recipients.
    pub fn refused(to: &[String], reference: Option<&str>, refusal: &MsgRefusal) -> Vec<Self> {
        per_recipient(to, |to| {
            Self::rejected(to, reference, refusal.code, &refusal.text)
        })
    }

    /// An unreadable message: one result per recipient that could be read, or one with
    /// an empty `to` when none could.
    pub fn unreadable(rejection: &MsgRejection) -> Vec<Self> {
        let reference = rejection.reference.as_deref();
        per_recipient(&rejection.to, |to| {
            Self::rejected(to, reference, rejection.code, &rejection.text)
        })
    }

    pub fn is_accepted(&self) -> bool {
        self.status == ACCEPTED
    }
}

fn per_recipient(to: &[String], result: impl Fn(&str) -> CmMessageResult) -> Vec<CmMessageResult> {
    if to.is_empty() {
        vec![result("")]
    } else {
        to.iter().map(|to| result(to)).collect()
    }
}

impl CmResponse {
    /// The whole request failed (authentication, malformed body): no message results.
    pub fn request_error(code: u16, text: impl Into<String>) -> Self {
        CmResponse {
            details: text.into(),
            error_code: code,
            messages: Vec::new(),
        }
    }

    /// CM.com's rules: all accepted → 200 with errorCode 0; some rejected → 200 with
    /// errorCode 201; all rejected → 400 with errorCode 201.
    pub fn from_results(results: Vec<CmMessageResult>) -> (u16, CmResponse) {
        let accepted = results.iter().filter(|r| r.is_accepted()).count();
        let (status, error_code, details) = if accepted == results.len() {
            (200, codes::OK, format!("Created {accepted} message(s)"))
        } else if accepted > 0 {
            (200, codes::MESSAGES_REJECTED, SOME_REJECTED.to_owned())
        } else {
            (400, codes::MESSAGES_REJECTED, SOME_REJECTED.to_owned())
        };
        let response = CmResponse {
            details,
            error_code,
            messages: results,
        };
        (status, response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ok(to: &str) -> CmMessageResult {
        CmMessageResult::accepted(to, Some("r1"), 2)
    }

    fn bad(to: &str) -> CmMessageResult {
        CmMessageResult::rejected(to, None, codes::FIELD, "body.content is empty")
    }

    #[test]
    fn all_accepted_is_200_with_error_code_0() {
        let (status, response) = CmResponse::from_results(vec![ok("1"), ok("2")]);
        assert_eq!(status, 200);
        assert_eq!(response.error_code, 0);
        assert_eq!(response.details, "Created 2 message(s)");
        assert_eq!(
            serde_json::to_value(&response.messages[0]).unwrap(),
            json!({"to": "1", "status": "Accepted", "reference": "r1", "parts": 2,
                   "messageDetails": null, "messageErrorCode": 0})
        );
    }

    #[test]
    fn some_rejected_is_200_with_error_code_201() {
        let (status, response) = CmResponse::from_results(vec![ok("1"), bad("2")]);
        assert_eq!((status, response.error_code), (200, 201));
        assert!(response
            .details
            .starts_with("This request has one or more errors"));
        assert_eq!(response.messages[1].status, "Rejected");
        assert_eq!(response.messages[1].parts, 0);
        assert_eq!(response.messages[1].message_error_code, 305);
    }

    #[test]
    fn all_rejected_is_400_with_error_code_201() {
        let (status, response) = CmResponse::from_results(vec![bad("1"), bad("2")]);
        assert_eq!((status, response.error_code), (400, 201));
        assert_eq!(response.messages.len(), 2);
    }

    #[test]
    fn request_error_has_no_messages_and_serializes_in_camel_case() {
        let response = CmResponse::request_error(codes::AUTHENTICATION_FAILED, "no token");
        assert_eq!(
            serde_json::to_value(&response).unwrap(),
            json!({"details": "no token", "errorCode": 101, "messages": []})
        );
    }

    #[test]
    fn an_unreadable_message_without_recipients_still_gets_a_result() {
        let rejection = MsgRejection {
            to: vec![],
            reference: Some("r".into()),
            code: codes::MISSING_TO,
            text: "to: at least one recipient".into(),
        };
        let results = CmMessageResult::unreadable(&rejection);
        assert_eq!(results.len(), 1);
        assert_eq!(results[0].to, "");
        assert_eq!(results[0].message_error_code, 302);
        assert_eq!(results[0].reference.as_deref(), Some("r"));
    }
}

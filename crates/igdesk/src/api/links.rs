//! The document's links (OpenAPI `links`): where an answer's ids lead. A customer
//! found leads to their timeline, a timeline item to what can be done with it, a note
//! made to its edit, an answer to its image; clients (and a fuzzer's stateful runs)
//! follow them to real resources instead of guessing ids.

use serde_json::{json, Map, Value};

/// From an operation's answer (operation id, status) to others: each with the values
/// of its parameters, as OpenAPI runtime expressions.
struct Leads {
    from: &'static str,
    status: &'static str,
    to: &'static [&'static str],
    parameters: &'static [(&'static str, &'static str)],
}

const CUSTOMER: &[&str] = &[
    "get_customer",
    "update_contact",
    "get_timeline",
    "customer_transfers",
    "send_message",
    "add_note",
    "set_labels",
    "merge_customers",
    "agent_typing",
];
const CONVERSATION: &[&str] = &[
    "close_conversation",
    "transfer_conversation",
    "transfer_targets",
    "set_conversation_topics",
    "assign",
];
const ITEM: &[&str] = &[
    "like_item",
    "unlike_item",
    "reply_to_comment",
    "private_reply",
    "hide_comment",
    "delete_comment",
    "no_reply_needed",
];
const NOTE: &[&str] = &["edit_note", "delete_note"];
const INBOX: &[&str] = &["update_inbox", "inbox_sla"];
const ACCOUNT: &[&str] = &[
    "get_api_settings",
    "set_api_settings",
    "set_account_inbox",
    "set_account_settings",
    "list_product_tokens",
    "create_product_token",
    "account_reconnect",
    "account_check_subscription",
];
const AGENT: &[&str] = &[
    "get_agent",
    "update_agent",
    "deactivate",
    "reactivate",
    "reset_password",
];
const ANSWER: &[&str] = &[
    "get_answer",
    "update_answer",
    "delete_answer",
    "count_use",
    "set_image",
    "remove_image",
];
const LOGIN: &[&str] = &["connect_candidates", "connect_pick"];

const LEADS: &[Leads] = &[
    // Customers, from wherever they are listed, and their conversations.
    Leads {
        from: "find_customers",
        status: "200",
        to: CUSTOMER,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "get_customer",
        status: "200",
        to: CUSTOMER,
        parameters: &[("id", "$response.body#/id")],
    },
    Leads {
        from: "get_customer",
        status: "200",
        to: &["list_answers"],
        parameters: &[("customer_id", "$response.body#/id")],
    },
    Leads {
        from: "list_conversations",
        status: "200",
        to: CONVERSATION,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "list_conversations",
        status: "200",
        to: CUSTOMER,
        parameters: &[("id", "$response.body#/data/0/customer_id")],
    },
    Leads {
        from: "search",
        status: "200",
        to: CUSTOMER,
        parameters: &[("id", "$response.body#/people/0/id")],
    },
    Leads {
        from: "search",
        status: "200",
        to: &["get_timeline"],
        parameters: &[("id", "$response.body#/messages/0/customer_id")],
    },
    Leads {
        from: "search",
        status: "200",
        to: ITEM,
        parameters: &[("item", "$response.body#/messages/0/item_id")],
    },
    // A timeline's items, and what was just added to one.
    Leads {
        from: "get_timeline",
        status: "200",
        to: ITEM,
        parameters: &[("item", "$response.body#/data/0/id")],
    },
    Leads {
        from: "get_timeline",
        status: "200",
        to: NOTE,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "send_message",
        status: "202",
        to: &["get_timeline"],
        parameters: &[("id", "$request.path.id")],
    },
    Leads {
        from: "add_note",
        status: "201",
        to: NOTE,
        parameters: &[("id", "$response.body#/id")],
    },
    Leads {
        from: "add_note",
        status: "201",
        to: &["get_timeline"],
        parameters: &[("id", "$request.path.id")],
    },
    Leads {
        from: "set_labels",
        status: "200",
        to: &["remove_label", "add_label"],
        parameters: &[
            ("id", "$request.path.id"),
            ("label", "$response.body#/labels/0"),
        ],
    },
    Leads {
        from: "add_label",
        status: "200",
        to: &["remove_label"],
        parameters: &[("id", "$request.path.id"), ("label", "$request.path.label")],
    },
    // Configuration.
    Leads {
        from: "list_inboxes",
        status: "200",
        to: INBOX,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "list_inboxes",
        status: "200",
        to: &["dashboard"],
        parameters: &[("inbox", "$response.body#/data/0/id")],
    },
    Leads {
        from: "create_inbox",
        status: "201",
        to: INBOX,
        parameters: &[("id", "$response.body#/id")],
    },
    Leads {
        from: "list_accounts",
        status: "200",
        to: ACCOUNT,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "set_api_settings",
        status: "200",
        to: &["get_api_settings", "delete_api_settings"],
        parameters: &[("id", "$request.path.id")],
    },
    Leads {
        from: "create_product_token",
        status: "201",
        to: &["revoke_product_token"],
        parameters: &[
            ("id", "$request.path.id"),
            ("token_id", "$response.body#/id"),
        ],
    },
    Leads {
        from: "list_product_tokens",
        status: "200",
        to: &["revoke_product_token"],
        parameters: &[
            ("id", "$request.path.id"),
            ("token_id", "$response.body#/data/0/id"),
        ],
    },
    Leads {
        from: "connect_start",
        status: "201",
        to: LOGIN,
        parameters: &[("state", "$response.body#/state")],
    },
    Leads {
        from: "account_reconnect",
        status: "201",
        to: LOGIN,
        parameters: &[("state", "$response.body#/state")],
    },
    // People, their tokens, routing.
    Leads {
        from: "list_agents",
        status: "200",
        to: &["get_agent", "update_agent"],
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "create_agent",
        status: "201",
        to: AGENT,
        parameters: &[("id", "$response.body#/id")],
    },
    Leads {
        from: "deactivate",
        status: "200",
        to: &["reactivate", "get_agent"],
        parameters: &[("id", "$request.path.id")],
    },
    Leads {
        from: "create_token",
        status: "201",
        to: &["revoke_token"],
        parameters: &[("id", "$response.body#/id")],
    },
    Leads {
        from: "list_offers",
        status: "200",
        to: &["accept_offer", "decline_offer"],
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    // Saved answers.
    Leads {
        from: "list_answers",
        status: "200",
        to: ANSWER,
        parameters: &[("id", "$response.body#/data/0/id")],
    },
    Leads {
        from: "create_answer",
        status: "201",
        to: ANSWER,
        parameters: &[("id", "$response.body#/id")],
    },
];

/// Adds the links to `doc`. A link from or to an operation the document does not
/// have is a mistake here: it panics, and the document's tests fail.
pub fn apply(doc: &mut Value) {
    let ids: Vec<String> = super::constraints::operations(doc)
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    for lead in LEADS {
        for to in lead.to {
            assert!(ids.iter().any(|id| id == to), "a link to no operation {to}");
        }
        let from = super::constraints::operations(doc)
            .find(|op| op["operationId"] == lead.from)
            .unwrap_or_else(|| panic!("a link from no operation {}", lead.from));
        let response = from["responses"]
            .get_mut(lead.status)
            .unwrap_or_else(|| panic!("{} does not answer {}", lead.from, lead.status));
        let links = response
            .as_object_mut()
            .expect("a response is an object")
            .entry("links")
            .or_insert_with(|| Value::Object(Map::new()));
        for to in lead.to {
            let parameters: Map<String, Value> = lead
                .parameters
                .iter()
                .map(|(name, expression)| ((*name).to_owned(), json!(expression)))
                .collect();
            let name = match links.get(*to) {
                // A second way to the same operation from this answer.
                Some(_) => format!(
                    "{to}_by_{}",
                    lead.parameters[0].1.rsplit('/').next().unwrap_or("value")
                ),
                None => (*to).to_owned(),
            };
            links[name] = json!({"operationId": to, "parameters": parameters});
        }
    }
}

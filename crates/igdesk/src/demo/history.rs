//! What the demo's customers wrote before igdesk was connected: past threads given to
//! the simulator, which igdesk imports through the Conversations API on connecting,
//! as it would from Meta (ACC-7). They open no conversation; they give search and the
//! profiles weeks of history to find things in (orders, sizes, shipping, returns).

use igdesk_igs::{CustomerProfile, HistoryMessage, Simulator};

/// Who wrote in the past: not the opening scenario's customers, so what the scenario
/// shows stays as it is.
struct PastCustomer {
    igsid: &'static str,
    name: &'static str,
    username: &'static str,
    /// The VIP account rather than the shop.
    vip: bool,
    /// How long ago the thread started.
    days_ago: i64,
    /// The thread, oldest first: `>` starts what the shop answered.
    lines: &'static [&'static str],
}

const PAST: &[PastCustomer] = &[
    PastCustomer {
        igsid: "1000101",
        name: "Inês Carvalho",
        username: "ines.carvalho",
        vip: false,
        days_ago: 41,
        lines: &[
            "Hello! Does the linen shirt come in a longer fit?",
            "> Hi Inês! The linen shirt has a relaxed fit, 74 cm long in M.",
            "Perfect, I ordered it. Order #4387",
            "> Thank you! It ships tomorrow from Lisbon.",
        ],
    },
    PastCustomer {
        igsid: "1000102",
        name: "Jonas Weber",
        username: "jonas.weber",
        vip: false,
        days_ago: 37,
        lines: &[
            "Do you ship to Germany? And how long does it take?",
            "> We do! 3 to 5 working days to Berlin, tracked.",
            "Great. Is the wool coat true to size?",
            "> It runs a little large: most people take one size down.",
            "Ordered the charcoal wool coat in S, order #4402",
        ],
    },
    PastCustomer {
        igsid: "1000103",
        name: "Kateryna Bondar",
        username: "kateryna.bondar",
        vip: false,
        days_ago: 33,
        lines: &[
            "My order #4419 arrived with the wrong colour, I asked for sage green",
            "> So sorry, Kateryna! We'll send the sage green one today and a return label for the other.",
            "Thank you, that was quick 🙏",
        ],
    },
    PastCustomer {
        igsid: "1000104",
        name: "Liam O'Brien",
        username: "liam.obrien",
        vip: false,
        days_ago: 29,
        lines: &[
            "Hi, can I return a linen shirt I bought last week? It's too small.",
            "> Of course: returns are free within 30 days. Reply with your order number and we'll send a label.",
            "It's #4431",
            "> Label sent to your email. Would you like the larger size instead of a refund?",
            "Yes please, the L",
        ],
    },
    PastCustomer {
        igsid: "1000105",
        name: "Mei Chen",
        username: "mei.chen",
        vip: false,
        days_ago: 26,
        lines: &[
            "Is gift wrapping available? It's for my sister's birthday 🎁",
            "> Yes! Add a note at checkout and we wrap it with a handwritten card.",
            "Lovely, thank you",
        ],
    },
    PastCustomer {
        igsid: "1000106",
        name: "Nuno Ferreira",
        username: "nuno.ferreira",
        vip: false,
        days_ago: 22,
        lines: &[
            "Boa tarde! Do you have a shop in Porto where I can try the wool coat?",
            "> Not yet in Porto, sorry: our only shop is in Lisbon, Rua das Flores 12.",
            "Then I'll order online. Can I exchange it if it doesn't fit?",
            "> Yes, exchanges are free and we collect from your door.",
        ],
    },
    PastCustomer {
        igsid: "1000107",
        name: "Olivia Brown",
        username: "olivia.brown",
        vip: false,
        days_ago: 18,
        lines: &[
            "Hi, my refund for order #4450 hasn't shown up yet",
            "> Hi Olivia, we refunded it on Monday: banks take 5 to 10 days to show it.",
            "OK, I'll wait. Thanks!",
            "It arrived today, all good 👍",
        ],
    },
    PastCustomer {
        igsid: "1000108",
        name: "Pedro Alves",
        username: "pedro.alves",
        vip: false,
        days_ago: 15,
        lines: &[
            "When is the linen trousers restock? Sold out in beige",
            "> Beige linen trousers are back on the 20th. Shall we tell you when they're in?",
            "Yes please!",
        ],
    },
    PastCustomer {
        igsid: "1000109",
        name: "Quentin Moreau",
        username: "quentin.moreau",
        vip: false,
        days_ago: 12,
        lines: &[
            "Bonjour, the zip on my wool coat broke after two weeks",
            "> Désolés, Quentin! Please send us a photo and your order number: we repair or replace it.",
            "Order #4468, photo sent by email",
            "> Got it: a new coat is on its way, keep the old one.",
        ],
    },
    PastCustomer {
        igsid: "1000110",
        name: "Rosa Jiménez",
        username: "rosa.jimenez",
        vip: false,
        days_ago: 9,
        lines: &[
            "Can I change the delivery address for order #4477? I'm in Madrid now",
            "> Done: it goes to Madrid, same delivery day.",
        ],
    },
    PastCustomer {
        igsid: "1000111",
        name: "Sofia Nieminen",
        username: "sofia.nieminen",
        vip: false,
        days_ago: 6,
        lines: &[
            "Do you have a discount code for students?",
            "> We do: 10% with STUDENT10 and a student email.",
            "Thanks, it worked on the sage green linen dress",
        ],
    },
    PastCustomer {
        igsid: "1000112",
        name: "Tomás Ruiz",
        username: "tomas.ruiz",
        vip: false,
        days_ago: 4,
        lines: &[
            "Is the charcoal wool coat warm enough for winter in Oslo?",
            "> It's 80% wool with a quilted lining: warm down to about -5 °C.",
            "Sounds good, ordering now",
        ],
    },
    PastCustomer {
        igsid: "2000101",
        name: "Uma Patel",
        username: "uma.patel",
        vip: true,
        days_ago: 20,
        lines: &[
            "Hello, I'd like to book a private fitting for the wedding collection",
            "> With pleasure, Uma. Thursday at 11 in our Lisbon studio?",
            "Thursday is perfect",
            "> Booked. We'll have the silk dresses in your size ready.",
        ],
    },
    PastCustomer {
        igsid: "2000102",
        name: "Viktor Novak",
        username: "viktor.novak",
        vip: true,
        days_ago: 8,
        lines: &[
            "Could the cashmere coat be tailored to my measurements?",
            "> Yes: tailoring takes two weeks. Shall we send our tailor's measuring guide?",
            "Please do",
        ],
    },
];

/// Gives the simulator the past threads and their customers, `now` being the demo's
/// start; `shop` and `vip` are the two accounts' Instagram ids.
pub fn give(sim: &Simulator, shop: &str, vip: &str, now: i64) {
    const DAY: i64 = 24 * 60 * 60 * 1000;
    const FEW_MINUTES: i64 = 7 * 60 * 1000;
    for past in PAST {
        let business = if past.vip { vip } else { shop };
        let mut profile = CustomerProfile::new(past.igsid, past.username);
        profile.name = Some(past.name.to_owned());
        sim.add_customer(business, profile);
        let start = now - past.days_ago * DAY;
        let messages = past
            .lines
            .iter()
            .zip(0..)
            .map(|(line, i)| {
                let at = start + i * FEW_MINUTES;
                match line.strip_prefix("> ") {
                    Some(shop_said) => HistoryMessage::from_business(shop_said, at),
                    None => HistoryMessage::from_customer(*line, at),
                }
            })
            .collect();
        sim.add_history(business, past.igsid, messages);
    }
}

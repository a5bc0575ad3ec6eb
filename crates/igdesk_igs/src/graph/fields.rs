//! Graph's `fields` parameter: a comma list whose items may carry a limit and
//! subfields, `participants,messages.limit(5){id,from{username}}`.

/// One requested field: `messages.limit(5){id,message}` is name `messages`,
/// limit 5, subfields `id`, `message`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Field {
    pub name: String,
    pub limit: Option<usize>,
    pub sub: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields(pub Vec<Field>);

impl Fields {
    pub fn parse(text: &str) -> Fields {
        Fields(split_top_level(text).into_iter().map(field).collect())
    }

    pub fn get(&self, name: &str) -> Option<&Field> {
        self.0.iter().find(|f| f.name == name)
    }
}

fn field(text: &str) -> Field {
    let (head, sub) = match text.split_once('{') {
        Some((head, rest)) => (head, rest.strip_suffix('}').unwrap_or(rest)),
        None => (text, ""),
    };
    let (name, modifiers) = head.split_once('.').unwrap_or((head, ""));
    let limit = modifiers
        .strip_prefix("limit(")
        .and_then(|rest| rest.split(')').next())
        .and_then(|n| n.trim().parse().ok());
    let sub = split_top_level(sub)
        .into_iter()
        .map(|s| field(s).name)
        .collect();
    Field {
        name: name.trim().to_owned(),
        limit,
        sub,
    }
}

/// Split on commas outside braces: `a,b{c,d},e` → `a`, `b{c,d}`, `e`.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_with_subfields_and_limits() {
        let fields = Fields::parse(
            "participants,messages.limit(5){id,created_time,from,to,message},updated_time",
        );
        let names: Vec<&str> = fields.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["participants", "messages", "updated_time"]);
        let messages = fields.get("messages").unwrap();
        assert_eq!(messages.limit, Some(5));
        assert_eq!(
            messages.sub,
            ["id", "created_time", "from", "to", "message"]
        );
        let nested = Fields::parse("messages{id,attachments{image_data{url}}}");
        assert_eq!(nested.get("messages").unwrap().sub, ["id", "attachments"]);
    }
}

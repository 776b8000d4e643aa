//! Small pieces shared by the streaming XML readers (UBL, camt).

/// The character an XML entity reference stands for: the five predefined entities and numeric
/// character references. Anything else is undeclared (documents with a DTD are refused).
pub(crate) fn entity(name: &[u8]) -> Option<char> {
    match name {
        b"amp" => Some('&'),
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"quot" => Some('"'),
        b"apos" => Some('\''),
        n if n.first() == Some(&b'#') => {
            let s = std::str::from_utf8(&n[1..]).ok()?;
            let code = match s.strip_prefix('x') {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => s.parse().ok(),
            };
            code.and_then(char::from_u32)
        }
        _ => None,
    }
}

/// An element of a small XML answer (an API response), read whole: name, text, children.
#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Local name.
    pub name: String,
    /// Text content, trimmed.
    pub text: String,
    /// Child elements in order.
    pub children: Vec<Node>,
    /// Attributes (local names), unescaped.
    pub attrs: Vec<(String, String)>,
}

impl Node {
    /// The first child of that name.
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child of that name.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// An attribute's value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The trimmed text of the first child of that name, when not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
    }
}

/// Reads a whole XML answer into a tree; a DOCTYPE and undeclared entities are refused. The
/// error says where (byte offset) and what.
pub(crate) fn tree(bytes: &[u8]) -> Result<Node, String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().expand_empty_elements = true;
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    loop {
        let at = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("byte {at}: {e}"))?;
        match event {
            Event::DocType(_) => return Err("a DOCTYPE is refused".into()),
            Event::Start(e) => {
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| format!("byte {at}: {err}"))?;
                    let v = a
                        .decode_and_unescape_value(reader.decoder())
                        .map_err(|err| format!("byte {at}: {err}"))?
                        .into_owned();
                    attrs.push((
                        String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned(),
                        v,
                    ));
                }
                stack.push(Node {
                    name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                    attrs,
                    ..Node::default()
                })
            }
            Event::End(_) => {
                let mut done = stack.pop().ok_or("unbalanced end tag")?;
                done.text = done.text.trim().to_string();
                stack
                    .last_mut()
                    .ok_or_else(|| format!("byte {at}: unbalanced end tag"))?
                    .children
                    .push(done);
            }
            Event::Text(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::CData(t) => {
                if let Some(n) = stack.last_mut() {
                    n.text.push_str(&String::from_utf8_lossy(&t.into_inner()));
                }
            }
            Event::GeneralRef(r) => {
                let name = r.into_inner();
                let c = entity(&name).ok_or_else(|| {
                    format!(
                        "byte {at}: undeclared entity &{};",
                        String::from_utf8_lossy(&name)
                    )
                })?;
                if let Some(n) = stack.last_mut() {
                    n.text.push(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        return Err(format!(
            "ends inside <{}>",
            stack.last().map(|n| n.name.as_str()).unwrap_or("")
        ));
    }
    let mut root = stack.pop().expect("one left");
    root.children
        .pop()
        .filter(|_| root.children.is_empty())
        .ok_or_else(|| "no single root element".to_string())
}

//! Who may use the workbench: whoever holds the access token `incasso serve` printed (or read
//! from its file). The token is exchanged once for a cookie (HttpOnly, SameSite=Strict) that
//! holds a session value derived from it, not the token: a browser sends a cookie of 127.0.0.1 to
//! every port there, and each workbench's cookie has a name of its own, so two workbenches do not
//! log each other out (review 45d, F-8). Every form carries a CSRF token derived from the token,
//! and a POST whose Origin is another site is refused.

use axum::http::{header, HeaderMap};

/// The start of the session cookie's name; the rest is derived from the token.
pub const COOKIE: &str = "incasso_workbench";

/// The access token and what is derived from it.
pub struct Access {
    token: String,
    csrf: String,
    cookie_name: String,
    session: String,
}

impl Access {
    /// Access with `token`.
    pub fn new(token: String) -> Access {
        let derive = |what: &[u8]| {
            blake3::keyed_hash(blake3::hash(token.as_bytes()).as_bytes(), what).to_hex()[..32]
                .to_string()
        };
        let csrf = derive(b"incasso workbench csrf");
        let session = derive(b"incasso workbench session");
        let cookie_name = format!("{COOKIE}_{}", &derive(b"incasso workbench cookie")[..8]);
        Access {
            token,
            csrf,
            cookie_name,
            session,
        }
    }

    /// The session cookie as a browser sends it back (`name=value`).
    pub fn cookie_pair(&self) -> String {
        format!("{}={}", self.cookie_name, self.session)
    }

    /// A new random token (32 hex digits from the operating system).
    pub fn random_token() -> std::io::Result<String> {
        use std::io::Read;
        let mut b = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut b)?;
        Ok(hex::encode(b))
    }

    /// Whether `given` is the token (constant time).
    pub fn is_token(&self, given: &str) -> bool {
        same(given, &self.token)
    }

    /// The session cookie's header value.
    pub fn cookie(&self) -> String {
        format!("{}; HttpOnly; SameSite=Strict; Path=/", self.cookie_pair())
    }

    /// Whether the request carries the session cookie.
    pub fn has_cookie(&self, headers: &HeaderMap) -> bool {
        cookies(headers).any(|(k, v)| k == self.cookie_name && same(v, &self.session))
    }

    /// The CSRF token every form carries.
    pub fn csrf(&self) -> &str {
        &self.csrf
    }

    /// Whether a POST may change anything: the cookie, the form's CSRF token, and no Origin of
    /// another site.
    pub fn may_post(&self, headers: &HeaderMap, csrf: &str) -> bool {
        let same_origin = match (
            headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()),
            headers.get(header::HOST).and_then(|h| h.to_str().ok()),
        ) {
            (None, _) => true,
            (Some(origin), Some(host)) => {
                origin
                    .strip_prefix("http://")
                    .or_else(|| origin.strip_prefix("https://"))
                    == Some(host)
            }
            (Some(_), None) => false,
        };
        same_origin && self.has_cookie(headers) && same(csrf, &self.csrf)
    }
}

/// The request's cookies as (name, value).
pub fn cookies(headers: &HeaderMap) -> impl Iterator<Item = (&str, &str)> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
}

fn same(a: &str, b: &str) -> bool {
    subtle::ConstantTimeEq::ct_eq(a.as_bytes(), b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn a_post_needs_the_cookie_the_csrf_token_and_its_own_origin() {
        let a = Access::new("0123456789abcdef0123456789abcdef".into());
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8765"));
        assert!(!a.may_post(&h, a.csrf()), "no cookie");
        h.insert(
            header::COOKIE,
            HeaderValue::from_str("x=1; incasso_workbench=0123456789abcdef0123456789abcdef")
                .unwrap(),
        );
        assert!(!a.may_post(&h, a.csrf()), "the token itself is no cookie");
        h.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("x=1; {}", a.cookie_pair())).unwrap(),
        );
        assert!(a.may_post(&h, a.csrf()));
        let other = Access::new("fedcba9876543210fedcba9876543210".into());
        assert_ne!(
            a.cookie_pair().split('=').next(),
            other.cookie_pair().split('=').next(),
            "two workbenches, two cookies"
        );
        assert!(!a.may_post(&h, "wrong"), "no CSRF token");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(!a.may_post(&h, a.csrf()), "another site");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8765"),
        );
        assert!(a.may_post(&h, a.csrf()));
        assert_ne!(a.csrf(), "0123456789abcdef0123456789abcdef");
    }
}

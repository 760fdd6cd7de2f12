//! Where HTTP requests go: scheme, host, port and path prefix of a libSQL server.

use super::error::RemoteError;

/// A parsed `http(s)://host[:port][/prefix]` base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// The `Host` header: the authority as written, without user info.
    pub authority: String,
    /// Path prefix without a trailing slash ("" for the root).
    pub prefix: String,
}

impl Endpoint {
    /// Parses a base URL. Credentials in the URL are refused (tokens go in `authToken`).
    pub fn parse(url: &str) -> Result<Self, RemoteError> {
        let invalid = |why: &str| RemoteError::fatal("URL_INVALID", format!("Invalid remote URL: {why}"));
        let (tls, rest) = if let Some(r) = strip_prefix_ci(url, "https://") {
            (true, r)
        } else if let Some(r) = strip_prefix_ci(url, "http://") {
            (false, r)
        } else {
            return Err(invalid("expected an http:// or https:// URL"));
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if authority.contains('@') {
            return Err(invalid("credentials in the URL are not supported; pass the token as authToken"));
        }
        if tail.contains(['?', '#']) {
            return Err(invalid("query strings and fragments are not part of a base URL"));
        }
        let (host, port) = split_host_port(authority).ok_or_else(|| invalid("malformed host or port"))?;
        if host.is_empty() {
            return Err(invalid("the host is missing"));
        }
        let port = port.unwrap_or(if tls { 443 } else { 80 });
        Ok(Endpoint {
            tls,
            host: host.to_owned(),
            port,
            authority: authority.to_owned(),
            prefix: tail.trim_end_matches('/').to_owned(),
        })
    }

    /// Pool key: requests to equal keys may share a connection.
    pub fn key(&self) -> (bool, &str, u16) {
        (self.tls, &self.host, self.port)
    }

    /// The base URL, safe to show (it never holds credentials).
    pub fn display(&self) -> String {
        format!("{}://{}{}", if self.tls { "https" } else { "http" }, self.authority, self.prefix)
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len() && s.is_char_boundary(prefix.len()) && s[..prefix.len()].eq_ignore_ascii_case(prefix))
        .then(|| &s[prefix.len()..])
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let close = rest.find(']')?;
        let host = &rest[..close];
        match &rest[close + 1..] {
            "" => (host, None),
            p => (host, Some(p.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) if !h.contains(':') => (h, Some(p)),
            Some(_) => return None,
            None => (authority, None),
        }
    };
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => Some(p.parse::<u16>().ok()?),
        Some(_) => return None,
    };
    Some((host, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base_urls() {
        let e = Endpoint::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((e.tls, e.host.as_str(), e.port, e.prefix.as_str()), (false, "127.0.0.1", 8080, ""));
        let e = Endpoint::parse("HTTPS://db.example.com/prefix/").unwrap();
        assert_eq!((e.tls, e.host.as_str(), e.port, e.prefix.as_str()), (true, "db.example.com", 443, "/prefix"));
        let e = Endpoint::parse("http://[::1]:9/").unwrap();
        assert_eq!((e.host.as_str(), e.port, e.authority.as_str()), ("::1", 9, "[::1]:9"));
        assert_eq!(Endpoint::parse("http://h").unwrap().port, 80);
    }

    #[test]
    fn rejects_malformed_urls() {
        for bad in ["ftp://x", "http://", "http://h:99999", "http://h:x", "http://u:p@h", "http://h/?a=1", "http://[::1", "http://a:b:c"] {
            let e = Endpoint::parse(bad).unwrap_err();
            assert_eq!(e.code, "URL_INVALID", "{bad}");
            assert!(!e.message.contains("u:p"), "{bad}");
        }
    }
}

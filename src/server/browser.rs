//! What keeps web pages away from a server on the developer's machine: a page may send
//! requests anywhere, so the server refuses what a browser sends on a page's behalf.
//!
//! - `Origin`: browsers add it to every cross-origin request (and to every POST and
//!   WebSocket upgrade); non-browser clients (`@libsql/client` on Node, the Rust crate, our
//!   replica) send none. Only origins given with `--cors-origin` are let through.
//! - `Host`: DNS rebinding points an attacker's name at 127.0.0.1, making the page
//!   same-origin; its requests then carry the attacker's name in `Host`, which is refused
//!   unless it names the server (loopback names, the bound address, `--allow-host`).
//! - `Content-Type`: a POST that has one must say JSON. A page can only send `text/plain`,
//!   form types or none without a CORS preflight; "none" stays allowed because the Rust
//!   `libsql` crate sends none, and a page sending none still carries an `Origin`.

use std::net::IpAddr;

use hyper::header::{HeaderMap, HeaderValue, CONTENT_TYPE, HOST, ORIGIN};
use hyper::{Method, StatusCode};

/// The names and origins one server answers to.
#[derive(Debug, Clone, Default)]
pub struct Allowed {
    /// Lower-cased host names (no port), besides loopback names.
    hosts: Vec<String>,
    /// Any host that is an IP literal (the server listens on every interface).
    any_ip: bool,
    /// Exact origins (`scheme://host[:port]`), lower-cased.
    origins: Vec<String>,
}

/// Why a request was refused; the status and text a client sees.
#[derive(Debug, PartialEq)]
pub struct Refusal {
    pub status: StatusCode,
    pub message: String,
}

fn refuse(status: StatusCode, message: String) -> Result<(), Refusal> {
    Err(Refusal { status, message })
}

const LOOPBACK_NAMES: &[&str] = &["localhost", "127.0.0.1", "::1"];

impl Allowed {
    /// `bound` is the address or name the server listens on.
    pub fn new(bound: &str, extra_hosts: &[String], origins: &[String]) -> Self {
        let bound = bound.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        let any_ip = bound.parse::<IpAddr>().is_ok_and(|ip| ip.is_unspecified());
        let mut hosts: Vec<String> = extra_hosts.iter().map(|h| h.to_ascii_lowercase()).collect();
        hosts.push(bound);
        let origins = origins.iter().map(|o| o.trim_end_matches('/').to_ascii_lowercase()).collect();
        Self { hosts, any_ip, origins }
    }

    fn host_ok(&self, host: &str) -> bool {
        let name = host_name(host).to_ascii_lowercase();
        let name = name.trim_start_matches('[').trim_end_matches(']');
        if name.ends_with(".localhost") || LOOPBACK_NAMES.contains(&name) || self.hosts.iter().any(|h| h == name) {
            return true;
        }
        match name.parse::<IpAddr>() {
            Ok(ip) => self.any_ip || ip.is_loopback(),
            Err(_) => false,
        }
    }

    /// The allowed origin a request comes from, `None` when it carries none; an error when
    /// a browser sent it from elsewhere, or it names a host this server is not.
    pub fn check(&self, method: &Method, path: &str, headers: &HeaderMap) -> Result<Option<HeaderValue>, Refusal> {
        let host = headers.get(HOST).and_then(|h| h.to_str().ok());
        match host {
            Some(h) if self.host_ok(h) => {}
            Some(h) => refuse(
                StatusCode::FORBIDDEN,
                format!("Host {h:?} is not a name of this server (DNS rebinding?); start astro-db serve with --allow-host to add it"),
            )?,
            None => refuse(StatusCode::BAD_REQUEST, "The request has no Host header".into())?,
        }
        let origin = match headers.get(ORIGIN) {
            None => None,
            Some(o) => {
                let text = o.to_str().unwrap_or("").trim_end_matches('/').to_ascii_lowercase();
                if !self.origins.iter().any(|a| *a == text) {
                    refuse(
                        StatusCode::FORBIDDEN,
                        format!(
                            "Origin {:?} is not allowed: web pages cannot use this server unless it is started with --cors-origin <origin>",
                            o.to_str().unwrap_or("(not text)")
                        ),
                    )?;
                }
                Some(o.clone())
            }
        };
        // Hrana's routes take JSON; the others refuse POSTs anyway (405), saying why.
        if method == Method::POST && (path.starts_with("/v2") || path.starts_with("/v3")) {
            if let Some(ct) = headers.get(CONTENT_TYPE) {
                let essence = ct.to_str().unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                if essence != "application/json" {
                    refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "POST bodies must be JSON (Content-Type: application/json)".into())?;
                }
            }
        }
        Ok(origin)
    }
}

/// `host[:port]` or `[v6]:port` without the port.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn refuses_foreign_origins_hosts_and_content_types() {
        let a = Allowed::new("127.0.0.1", &[], &["http://localhost:4321".into()]);
        let ok = |p: &[(&'static str, &str)]| a.check(&Method::POST, "/v3/pipeline", &headers(p));
        assert_eq!(ok(&[("host", "127.0.0.1:8080"), ("content-type", "application/json")]), Ok(None));
        assert!(ok(&[("host", "localhost:8080")]).is_ok(), "the Rust crate sends no content type");
        assert!(ok(&[("host", "[::1]:8080")]).is_ok());
        assert!(ok(&[("host", "localhost:8080"), ("origin", "http://localhost:4321")]).unwrap().is_some());
        assert_eq!(ok(&[("host", "evil.example:8080")]).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(ok(&[("host", "10.0.0.5:8080")]).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(ok(&[("host", "localhost"), ("origin", "https://evil.example")]).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(ok(&[("host", "localhost"), ("origin", "null")]).unwrap_err().status, StatusCode::FORBIDDEN);
        assert_eq!(ok(&[("host", "localhost"), ("content-type", "text/plain")]).unwrap_err().status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(ok(&[]).unwrap_err().status, StatusCode::BAD_REQUEST);

        let any = Allowed::new("0.0.0.0", &["db.staging".into()], &[]);
        let h = |host: &str| any.check(&Method::GET, "/health", &headers(&[("host", host)])).is_ok();
        assert!(h("10.0.0.5:8080") && h("db.staging:8080") && !h("evil.example"));
    }
}

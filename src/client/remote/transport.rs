//! HTTP/1.1 (plain or TLS) to a libSQL server, with kept-alive connections reused.
//!
//! hyper 1 is already in the tree for `serve`; TLS is rustls with the `ring` provider
//! and Mozilla's root certificates (`webpki-roots`), so nothing depends on the system's
//! OpenSSL and the build stays small.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::endpoint::Endpoint;
use super::error::RemoteError;

/// TCP connect, and separately the TLS handshake: a server that accepts and then says nothing
/// must not hang the client (or the napi runtime's task) forever.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest silence while waiting for a response's headers or its next body bytes. Generous:
/// a server may take its own query timeout before answering.
const READ_TIMEOUT: Duration = if cfg!(test) { Duration::from_millis(300) } else { Duration::from_secs(120) };
/// Largest Hrana response accepted (sqld sends at most 32 MB of results per request).
pub const MAX_HRANA_RESPONSE: usize = 64 * 1024 * 1024;
/// Idle connections kept per client; more in-flight requests open more connections.
const MAX_IDLE: usize = 16;

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

type Sender = SendRequest<Full<Bytes>>;

/// A response that arrived with status 200.
pub struct Reply {
    pub body: Bytes,
}

/// Any response.
pub struct RawResponse {
    pub status: StatusCode,
    /// Lower-cased; `text/plain` when absent.
    pub content_type: String,
    pub body: Bytes,
}

/// The HTTP side of one client: its token and its idle connections.
pub struct Transport {
    token: Option<String>,
    idle: Mutex<Vec<((bool, String, u16), Sender)>>,
}

impl Transport {
    pub fn new(token: Option<String>) -> Self {
        Transport { token: token.filter(|t| !t.is_empty()), idle: Mutex::new(Vec::new()) }
    }

    /// Drops the idle connections (requests in flight finish on theirs).
    pub fn close(&self) {
        if let Ok(mut idle) = self.idle.lock() {
            idle.clear();
        }
    }

    /// `POST {endpoint}{path}` with a JSON body; a status other than 200 is an error.
    pub async fn post_json(&self, ep: &Endpoint, path: &str, body: Vec<u8>) -> Result<Reply, RemoteError> {
        let raw = self.exchange(ep, Method::POST, path, "application/json", &[], Bytes::from(body), MAX_HRANA_RESPONSE).await?;
        if raw.status == StatusCode::OK {
            return Ok(Reply { body: raw.body });
        }
        Err(self.status_error(ep, raw.status, &raw.content_type, &raw.body))
    }

    /// One request and its whole response (at most `max` bytes), whatever the status.
    #[allow(clippy::too_many_arguments)]
    pub async fn exchange(
        &self,
        ep: &Endpoint,
        method: Method,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Bytes,
        max: usize,
    ) -> Result<RawResponse, RemoteError> {
        let timer = crate::log::debug_timer();
        let shown_method = timer.map(|_| method.clone());
        let mut request = self.request(ep, method, path, content_type, headers, body)?;
        // A pooled connection may have been closed by the server while idle: if hyper
        // hands the request back unsent, it is safe to retry on a fresh connection.
        let (mut sender, mut pooled) = self.checkout(ep).await?;
        let response = loop {
            let sent = tokio::time::timeout(READ_TIMEOUT, sender.try_send_request(request))
                .await
                .map_err(|_| network(ep, format!("no response within {} s", READ_TIMEOUT.as_secs())))?;
            match sent {
                Ok(r) => break r,
                Err(mut e) => match e.take_message() {
                    Some(unsent) if pooled => {
                        request = unsent;
                        sender = connect(ep).await?;
                        pooled = false;
                    }
                    _ => return Err(network(ep, e.into_error())),
                },
            }
        };
        let status = response.status();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("text/plain")
            .to_ascii_lowercase();
        let body = read_body(ep, response.into_body(), max).await?;
        self.checkin(ep, sender);
        if let (Some(t), Some(m)) = (timer, shown_method) {
            // The endpoint as shown has no credentials; the token travels in a header.
            tracing::debug!(method = %m, url = %format_args!("{}{path}", ep.display()), status = status.as_u16(), bytes = body.len(), ms = crate::log::ms(t), "remote request");
        }
        Ok(RawResponse { status, content_type, body })
    }

    fn request(
        &self,
        ep: &Endpoint,
        method: Method,
        path: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Request<Full<Bytes>>, RemoteError> {
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{}", ep.prefix, path))
            .header(HOST, ep.authority.as_str())
            .header(CONTENT_TYPE, content_type);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(token) = &self.token {
            builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
        }
        builder
            .body(Full::new(body))
            .map_err(|_| RemoteError::fatal("URL_INVALID", "The auth token or URL holds characters not allowed in HTTP headers"))
    }

    /// An idle connection to `ep` (and `true`), or a new one (and `false`).
    async fn checkout(&self, ep: &Endpoint) -> Result<(Sender, bool), RemoteError> {
        loop {
            let found = {
                let Ok(mut idle) = self.idle.lock() else { break };
                let at = idle.iter().rposition(|(k, _)| (k.0, k.1.as_str(), k.2) == ep.key());
                at.map(|i| idle.swap_remove(i).1)
            };
            match found {
                Some(s) if !s.is_closed() && s.is_ready() => return Ok((s, true)),
                Some(_) => continue,
                None => break,
            }
        }
        Ok((connect(ep).await?, false))
    }

    fn checkin(&self, ep: &Endpoint, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(((ep.tls, ep.host.clone(), ep.port), sender));
            }
        }
    }

    pub fn status_error(&self, ep: &Endpoint, status: StatusCode, content_type: &str, body: &[u8]) -> RemoteError {
        if content_type.starts_with("application/json") {
            if let Ok(e) = serde_json::from_slice::<super::proto::Error>(body) {
                let mut err = RemoteError::server(e);
                err.fatal = true;
                err.message = self.scrub(&err.message);
                return err;
            }
        }
        let mut message = format!("Server returned HTTP status {}", status.as_u16());
        if content_type.starts_with("text/plain") {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if !text.is_empty() {
                message.push_str(": ");
                message.push_str(&self.scrub(text));
            }
        }
        match status.as_u16() {
            401 => message.push_str(&format!(
                " (the server at {} rejected the auth token: check authToken / ASTRO_DB_APP_TOKEN)",
                ep.display()
            )),
            403 => message.push_str(" (the auth token does not allow this operation, e.g. a read-only token)"),
            404 => message.push_str(&format!(
                " ({}/v3/pipeline not found: is this a libSQL server speaking Hrana 3 over HTTP?)",
                ep.display()
            )),
            _ => {}
        }
        RemoteError { status: Some(status.as_u16()), ..RemoteError::fatal("SERVER_ERROR", message) }
    }

    /// A server message must never echo the token back to the user.
    fn scrub(&self, text: &str) -> String {
        match &self.token {
            Some(t) if t.len() >= 4 => text.replace(t.as_str(), "***"),
            _ => text.to_owned(),
        }
    }
}

/// The body, refused past `max` bytes or after [`READ_TIMEOUT`] of silence.
async fn read_body(ep: &Endpoint, mut body: hyper::body::Incoming, max: usize) -> Result<Bytes, RemoteError> {
    let mut out = bytes::BytesMut::new();
    loop {
        let frame = tokio::time::timeout(READ_TIMEOUT, body.frame())
            .await
            .map_err(|_| network(ep, format!("the response stalled for {} s", READ_TIMEOUT.as_secs())))?;
        let Some(frame) = frame else { return Ok(out.freeze()) };
        if let Ok(data) = frame.map_err(|e| network(ep, e))?.into_data() {
            if out.len().saturating_add(data.len()) > max {
                return Err(RemoteError::fatal(
                    "RESPONSE_TOO_LARGE",
                    format!("The server at {} sent a response larger than {max} bytes", ep.display()),
                ));
            }
            out.extend_from_slice(&data);
        }
    }
}

fn network(ep: &Endpoint, e: impl std::fmt::Display) -> RemoteError {
    RemoteError::fatal("SERVER_UNREACHABLE", format!("Cannot reach the libSQL server at {}: {e}", ep.display()))
}

async fn connect(ep: &Endpoint) -> Result<Sender, RemoteError> {
    let tcp = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((ep.host.as_str(), ep.port)))
        .await
        .map_err(|_| network(ep, "connection timed out"))?
        .map_err(|e| network(ep, e))?;
    let _ = tcp.set_nodelay(true);
    let io: Box<dyn Io> = if ep.tls {
        let name = rustls::pki_types::ServerName::try_from(ep.host.clone())
            .map_err(|_| RemoteError::fatal("URL_INVALID", format!("Invalid host name for TLS: {}", ep.host)))?;
        let connector = tokio_rustls::TlsConnector::from(tls_config()?);
        let tls = tokio::time::timeout(CONNECT_TIMEOUT, connector.connect(name, tcp))
            .await
            .map_err(|_| network(ep, "TLS handshake timed out"))?;
        Box::new(tls.map_err(|e| network(ep, format!("TLS handshake failed: {e}")))?)
    } else {
        Box::new(tcp)
    };
    let (sender, conn) = http1::Builder::new()
        // Bounds the response head (headers) a server may send.
        .max_buf_size(256 * 1024)
        .handshake(TokioIo::new(io))
        .await
        .map_err(|e| network(ep, e))?;
    tokio::spawn(async move {
        // Ends when the server closes the connection or the last sender is dropped.
        let _ = conn.await;
    });
    Ok(sender)
}

fn tls_config() -> Result<Arc<rustls::ClientConfig>, RemoteError> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_root_certificates(roots)
                .with_no_client_auth();
            config.alpn_protocols = vec![b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
        .map_err(|e| RemoteError::fatal("TLS_ERROR", format!("Cannot set up TLS: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_that_accepts_and_never_answers_times_out() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            // Reads the request and keeps the socket open without a byte in reply.
            let silent = tokio::spawn(async move {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = vec![0u8; 4096];
                loop {
                    if tokio::io::AsyncReadExt::read(&mut s, &mut buf).await.unwrap_or(0) == 0 {
                        break;
                    }
                }
            });
            let ep = Endpoint::parse(&format!("http://127.0.0.1:{port}")).unwrap();
            let started = std::time::Instant::now();
            let err = Transport::new(None).post_json(&ep, "/v3/pipeline", b"{}".to_vec()).await.err().expect("an answer came");
            assert_eq!(err.code, "SERVER_UNREACHABLE");
            assert!(err.message.contains("no response"), "{}", err.message);
            assert!(started.elapsed() < Duration::from_secs(5));
            silent.abort();
        });
    }
}

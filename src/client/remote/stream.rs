//! A Hrana stream over HTTP: a server-side connection kept alive by a baton, so that an
//! interactive transaction spans several requests. Requests on one stream never overlap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::endpoint::Endpoint;
use super::error::RemoteError;
use super::proto::{PipelineRequest, PipelineResponse, Request, StreamResult};
use super::transport::Transport;

const PIPELINE_PATH: &str = "/v3/pipeline";

/// Where the next request of a stream goes, and with which baton.
struct State {
    baton: Option<String>,
    /// Set when the server asks for the stream's later requests at another URL.
    base: Option<Endpoint>,
}

/// One stream; cheap to create (nothing is sent before the first request).
pub struct Stream {
    transport: Arc<Transport>,
    endpoint: Arc<Endpoint>,
    state: tokio::sync::Mutex<State>,
    closed: AtomicBool,
}

impl Stream {
    pub fn new(transport: Arc<Transport>, endpoint: Arc<Endpoint>) -> Self {
        Stream { transport, endpoint, state: tokio::sync::Mutex::new(State { baton: None, base: None }), closed: AtomicBool::new(false) }
    }

    /// True once closed by the caller, the server or a failed request.
    pub fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    /// Sends `requests` (plus a `close` when `close` is set) in one HTTP request and returns
    /// one result per request given. A transport failure closes the stream.
    pub async fn pipeline(&self, mut requests: Vec<Request>, close: bool) -> Result<Vec<StreamResult>, RemoteError> {
        let mut state = self.state.lock().await;
        if self.is_closed() {
            return Err(RemoteError::fatal("TRANSACTION_CLOSED", "The stream is closed (its transaction ended or failed)"));
        }
        let count = requests.len();
        if close {
            requests.push(Request::Close {});
            self.closed.store(true, Ordering::Release);
        }
        let out = self.send(&state, &requests).await;
        let response = match out {
            Ok(r) => r,
            Err(e) => {
                self.closed.store(true, Ordering::Release);
                return Err(e);
            }
        };
        if response.results.len() != requests.len() {
            self.closed.store(true, Ordering::Release);
            return Err(RemoteError::protocol(format!(
                "The server answered {} requests with {} results",
                requests.len(),
                response.results.len()
            )));
        }
        state.baton = response.baton;
        if let Some(url) = response.base_url.filter(|u| !u.is_empty()) {
            state.base = Some(Endpoint::parse(&url).map_err(|e| RemoteError::protocol(format!("Bad base_url from the server: {}", e.message)))?);
        }
        if state.baton.is_none() && !close {
            // The server ended the stream: a later request would silently start a new one.
            self.closed.store(true, Ordering::Release);
        }
        let mut results = response.results;
        results.truncate(count);
        Ok(results)
    }

    /// Closes the stream; when the server holds it (a baton), tells the server in the background.
    pub fn close(self: &Arc<Self>) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        let this = Arc::clone(self);
        napi::bindgen_prelude::spawn(async move {
            let state = this.state.lock().await;
            if state.baton.is_some() {
                let _ = this.send(&state, &[Request::Close {}]).await;
            }
        });
    }

    async fn send(&self, state: &State, requests: &[Request]) -> Result<PipelineResponse, RemoteError> {
        let body = serde_json::to_vec(&PipelineRequest { baton: state.baton.as_deref(), requests })
            .map_err(|e| RemoteError::protocol(format!("Cannot encode the request: {e}")))?;
        let ep = state.base.as_ref().unwrap_or(&self.endpoint);
        let reply = self.transport.post_json(ep, PIPELINE_PATH, body).await?;
        serde_json::from_slice(&reply.body).map_err(|e| RemoteError::protocol(format!("Malformed response from the server: {e}")))
    }
}

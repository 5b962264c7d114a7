//! What a long-running tool (the follower, the agents) shows Prometheus: `/metrics`, its
//! registry in the text format, and `/health`, 200 or 503 with a one-line reason, from a check
//! the tool keeps up to date as it works. Served over HTTP/1 on a thread of its own, so that a
//! scrape never waits for the tool's work and the work never waits for a scrape.

use std::convert::Infallible;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::registry::Registry;
use tokio::sync::Semaphore;

/// The content type of the text format `prometheus_client` writes (OpenMetrics 1.0, which
/// Prometheus reads).
const METRICS_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Why a `--metrics-addr` cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum ExpositionError {
    #[error("--metrics-addr {addr}: not an address to listen on ({reason})")]
    BadAddress { addr: String, reason: String },
    #[error("--metrics-addr {addr}: cannot listen there ({reason})")]
    Bind { addr: String, reason: String },
}

/// The tool's health as `/health` reports it: `Ok` with what it shows, or why it is not well.
#[derive(Debug, Default)]
pub struct Health {
    state: Mutex<Option<Result<String, String>>>,
}

impl Health {
    pub fn new() -> Arc<Health> {
        Arc::new(Health::default())
    }

    /// Healthy, with a line saying how.
    pub fn ok(&self, how: String) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(Ok(how));
    }

    /// Not healthy, and why.
    pub fn failing(&self, why: String) {
        *self.state.lock().unwrap_or_else(|e| e.into_inner()) = Some(Err(why));
    }

    /// What `/health` answers: before the tool said anything, it is starting.
    pub fn report(&self) -> Result<String, String> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state
            .clone()
            .unwrap_or_else(|| Err("starting: no step finished yet".into()))
    }
}

/// `cursor` against the `finalized` head, as a health line: within `max_lag` blocks is well.
pub fn lag_health(
    cursor: Option<u64>,
    finalized: Option<u64>,
    max_lag: u64,
) -> Result<String, String> {
    match (cursor, finalized) {
        (Some(cursor), Some(head)) => {
            let lag = head.saturating_sub(cursor);
            if lag <= max_lag {
                Ok(format!(
                    "at block {cursor}, {lag} behind the finalized head {head}"
                ))
            } else {
                Err(format!(
                    "at block {cursor}, {lag} behind the finalized head {head} (more than {max_lag})"
                ))
            }
        }
        (None, Some(head)) => Err(format!(
            "no block processed yet; the finalized head is {head}"
        )),
        (_, None) => Err("the finalized head is not known".into()),
    }
}

/// A running exposition: its address (the port the system gave, for `:0`).
pub struct Exposition {
    pub addr: SocketAddr,
}

/// Listens on `addr` (bound now, so that a wrong address is an error at start) and serves
/// `registry` and `health` from a thread of its own for as long as the process runs.
pub fn serve(
    addr: &str,
    registry: Arc<Registry>,
    health: Arc<Health>,
) -> Result<Exposition, ExpositionError> {
    let parsed: SocketAddr = addr.parse().map_err(|e| ExpositionError::BadAddress {
        addr: addr.into(),
        reason: format!("{e}; write it as IP:PORT, for example 127.0.0.1:9615"),
    })?;
    let bind = |e: std::io::Error| ExpositionError::Bind {
        addr: addr.into(),
        reason: e.to_string(),
    };
    let listener = TcpListener::bind(parsed).map_err(bind)?;
    listener.set_nonblocking(true).map_err(bind)?;
    let bound = listener.local_addr().map_err(bind)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(bind)?;
    std::thread::Builder::new()
        .name("metrics".into())
        .spawn(move || runtime.block_on(accept(listener, registry, health)))
        .map_err(bind)?;
    Ok(Exposition { addr: bound })
}

/// How many scrapes are served at once. Each connection is a task of its own, so a scraper
/// that keeps its connection alive between scrapes (Prometheus does) or a client that never
/// finishes its request takes one slot, never the server; past the limit, new connections
/// wait in the listen queue until one ends.
const MAX_CONNECTIONS: usize = 32;

/// How long a new connection may take to send its request's headers before it is closed and
/// its slot freed (a client that connects and says nothing).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

async fn accept(listener: TcpListener, registry: Arc<Registry>, health: Arc<Health>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        // A failed accept (too many open files, a reset) is the client's or passing: go on.
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let (registry, health) = (registry.clone(), health.clone());
        let service = service_fn(move |request| {
            let answer = answer(&request, &registry, &health);
            async move { Ok::<_, Infallible>(answer) }
        });
        tokio::spawn(async move {
            let _ = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
            drop(slot);
        });
    }
}

fn text(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

fn answer(
    request: &Request<Incoming>,
    registry: &Registry,
    health: &Health,
) -> Response<Full<Bytes>> {
    const PLAIN: &str = "text/plain; charset=utf-8";
    if request.method() != Method::GET {
        return text(StatusCode::METHOD_NOT_ALLOWED, PLAIN, "GET only\n".into());
    }
    match request.uri().path() {
        "/metrics" => {
            let mut body = String::new();
            match prometheus_client::encoding::text::encode(&mut body, registry) {
                Ok(()) => text(StatusCode::OK, METRICS_TYPE, body),
                Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, PLAIN, format!("{e}\n")),
            }
        }
        "/health" => match health.report() {
            Ok(how) => text(StatusCode::OK, PLAIN, format!("ok: {how}\n")),
            Err(why) => text(
                StatusCode::SERVICE_UNAVAILABLE,
                PLAIN,
                format!("unhealthy: {why}\n"),
            ),
        },
        _ => text(
            StatusCode::NOT_FOUND,
            PLAIN,
            "not found: /metrics and /health are served here\n".into(),
        ),
    }
}

/// `GET path` from the exposition at `addr`: the status code and the body. A minimal HTTP/1.0
/// client, for the tests that read `/metrics` and `/health` as a scraper does.
pub fn http_get(addr: SocketAddr, path: &str) -> std::io::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP answer: {head:?}")))?;
    Ok((status, body.to_string()))
}

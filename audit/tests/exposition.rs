//! `/metrics` and `/health` as a scraper sees them: the registry in a text format a Prometheus
//! parser reads, the health line and its status code following what the tool reports, and
//! addresses that cannot be served refused with the option's name.

use std::sync::Arc;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use proof_manager_audit::exposition::{http_get, lag_health, serve, ExpositionError, Health};

fn value(scrape: &prometheus_parse::Scrape, name: &str) -> f64 {
    let sample = scrape
        .samples
        .iter()
        .find(|s| s.metric == name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", scrape.samples));
    match sample.value {
        prometheus_parse::Value::Counter(v)
        | prometheus_parse::Value::Gauge(v)
        | prometheus_parse::Value::Untyped(v) => v,
        ref other => panic!("{name}: {other:?}"),
    }
}

#[test]
fn metrics_are_served_in_a_format_prometheus_reads_and_health_follows_the_tool() {
    let mut registry = Registry::with_prefix("test");
    let blocks = Counter::<u64>::default();
    let cursor = Gauge::<i64>::default();
    registry.register("blocks", "Blocks read", blocks.clone());
    registry.register("cursor_block", "The last block read", cursor.clone());
    let health = Health::new();
    let exposition = serve("127.0.0.1:0", Arc::new(registry), health.clone()).unwrap();

    let (status, body) = http_get(exposition.addr, "/health").unwrap();
    assert_eq!(
        (status, body.as_str()),
        (503, "unhealthy: starting: no step finished yet\n")
    );

    blocks.inc_by(7);
    cursor.set(41);
    health.ok("at block 41".into());
    let (status, body) = http_get(exposition.addr, "/metrics").unwrap();
    assert_eq!(status, 200);
    let lines = body.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).unwrap();
    assert_eq!(value(&scrape, "test_blocks_total"), 7.0);
    assert_eq!(value(&scrape, "test_cursor_block"), 41.0);
    assert_eq!(
        http_get(exposition.addr, "/health").unwrap(),
        (200, "ok: at block 41\n".into())
    );

    health.failing("the node does not answer".into());
    let (status, body) = http_get(exposition.addr, "/health").unwrap();
    assert_eq!(
        (status, body.as_str()),
        (503, "unhealthy: the node does not answer\n")
    );
    assert_eq!(http_get(exposition.addr, "/other").unwrap().0, 404);
}

#[test]
fn an_address_that_cannot_be_served_is_refused_with_the_option_named() {
    let health = Health::new();
    match serve(
        "localhost:nine",
        Arc::new(Registry::default()),
        health.clone(),
    ) {
        Err(e @ ExpositionError::BadAddress { .. }) => {
            assert!(
                e.to_string().contains("--metrics-addr localhost:nine"),
                "{e}"
            )
        }
        other => panic!("{:?}", other.err()),
    }
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    match serve(&addr, Arc::new(Registry::default()), health) {
        Err(e @ ExpositionError::Bind { .. }) => assert!(e.to_string().contains(&addr), "{e}"),
        other => panic!("{:?}", other.err()),
    }
}

#[test]
fn health_is_the_cursor_within_its_lag_of_the_finalized_head() {
    assert_eq!(
        lag_health(Some(98), Some(100), 2),
        Ok("at block 98, 2 behind the finalized head 100".into())
    );
    assert_eq!(
        lag_health(Some(97), Some(100), 2),
        Err("at block 97, 3 behind the finalized head 100 (more than 2)".into())
    );
    assert!(lag_health(None, Some(100), 2).is_err());
    assert!(lag_health(Some(100), None, 2).is_err());
}

/// A connection that asked and stays open (Prometheus keeps its connection alive between
/// scrapes) and one that never sends its request: neither keeps anyone else waiting.
#[test]
fn a_kept_alive_or_silent_connection_does_not_keep_other_scrapers_waiting() {
    use std::io::{Read, Write};
    let exposition = serve("127.0.0.1:0", Arc::new(Registry::default()), Health::new()).unwrap();
    let addr = exposition.addr;

    let mut kept = std::net::TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(kept, "GET /metrics HTTP/1.1\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut first = [0u8; 12];
    kept.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let mut silent = std::net::TcpStream::connect(addr).unwrap();

    for path in ["/health", "/metrics"] {
        let (status, _) = http_get(addr, path)
            .unwrap_or_else(|e| panic!("{path} while another connection is open: {e}"));
        assert!(status == 503 || status == 200, "{path}: {status}");
    }

    // The silent one is closed once its headers are overdue, and its slot freed.
    silent
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    let read = silent.read_to_end(&mut rest);
    assert!(
        read.is_ok() && started.elapsed() < std::time::Duration::from_secs(25),
        "a silent connection stays open: {read:?} after {:?}",
        started.elapsed()
    );
}

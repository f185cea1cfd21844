//! Helpers: an upstream and proxy built from nginx text, and requests driven through them.

use nginx::proxy::{AttemptResult, Decision, HttpMethod, Proxy, RequestCtx};
use nginx::upstream::PeerId;
use std::net::SocketAddr;

/// Parses `text` (an `upstream u { … }` block plus optional proxy directives at the top level of a server
/// block written by the caller) and returns the proxy of its first route, or of upstream `u` with defaults.
pub fn proxy(text: &str) -> Proxy {
    let conf = nginx::parse("test.conf", text).unwrap_or_else(|e| panic!("{e}"));
    match conf.routes.first() {
        Some(r) => Proxy::new(
            conf.upstream(&r.upstream).expect("route upstream"),
            r.settings.clone(),
        ),
        None => Proxy::new(
            conf.upstreams.first().expect("an upstream"),
            Default::default(),
        ),
    }
}

/// A GET from `client`.
pub fn get(client: &str) -> RequestCtx {
    ctx(client, HttpMethod::Get, "/")
}

/// A request.
pub fn ctx(client: &str, method: HttpMethod, uri: &str) -> RequestCtx {
    RequestCtx {
        client: client.parse::<SocketAddr>().expect("client address"),
        method,
        uri: uri.into(),
        host: "www.example.com".into(),
    }
}

/// The peer index the balancer picks for a request that then succeeds at once (200).
pub fn pick_ok(p: &mut Proxy, now_ms: u64, c: RequestCtx) -> usize {
    let (mut req, d) = p.start(now_ms, c);
    let Decision::Connect(id) = d else {
        panic!("no peer: {d:?}")
    };
    let out = p.finish(&mut req, now_ms, AttemptResult::Status(200));
    assert_eq!(
        out,
        Decision::Respond {
            status: 200,
            from: Some(id)
        }
    );
    id.index
}

/// Drives one request: each attempt's outcome comes from `answer(peer)`. Returns the peers tried in order
/// and the final decision.
pub fn run(
    p: &mut Proxy,
    now_ms: u64,
    c: RequestCtx,
    mut answer: impl FnMut(PeerId) -> AttemptResult,
) -> (Vec<PeerId>, Decision) {
    let (mut req, mut d) = p.start(now_ms, c);
    let mut tried = vec![];
    while let Decision::Connect(id) = d {
        tried.push(id);
        d = p.finish(&mut req, now_ms, answer(id));
    }
    (tried, d)
}

/// The seed's upstream block as copied into the repository.
pub fn seed_text() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/configs/seed/nginx_upstream.conf"
    );
    std::fs::read_to_string(path).expect("seed nginx_upstream.conf")
}

/// The answer nginx generates itself (no upstream answer relayed) with `status`.
pub fn error_page(status: u16) -> Decision {
    Decision::Respond { status, from: None }
}

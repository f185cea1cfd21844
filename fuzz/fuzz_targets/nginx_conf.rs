//! The nginx configuration parser (`nginx::parse`) on arbitrary text, then the upstream model on what it
//! accepts: every upstream with its route's proxy settings takes a few requests whose attempt outcomes come
//! from the input's bytes, so the balancers, failure accounting and retries run on fuzzed configs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nginx::proxy::{AttemptResult, Decision, HttpMethod, Proxy, RequestCtx};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(conf) = nginx::parse("fuzz.conf", &text) else {
        return;
    };
    for u in &conf.upstreams {
        let settings = conf
            .routes
            .iter()
            .find(|r| r.upstream == u.name)
            .map(|r| r.settings.clone())
            .unwrap_or_default();
        let mut p = Proxy::new(u, settings);
        let tries = p.upstream.tries() as usize;
        for (i, b) in data.iter().take(32).enumerate() {
            let ctx = RequestCtx {
                client: std::net::SocketAddr::from(([192, 0, 2, *b], 1000 + i as u16)),
                method: if b & 1 == 1 { HttpMethod::Post } else { HttpMethod::Get },
                uri: format!("/{b}"),
                host: "fuzz".into(),
            };
            let now = i as u64 * 700;
            let (mut req, mut d) = p.start(now, ctx);
            let mut attempts = 0;
            while let Decision::Connect(_) = d {
                attempts += 1;
                assert!(attempts <= tries, "more attempts than servers");
                let r = match (b >> (attempts % 4)) % 5 {
                    0 => AttemptResult::Status(200),
                    1 => AttemptResult::Error { sent: b & 2 == 2 },
                    2 => AttemptResult::Timeout { sent: true },
                    3 => AttemptResult::InvalidHeader,
                    _ => AttemptResult::Status(500 + u16::from(b % 5)),
                };
                d = p.finish(&mut req, now, r);
            }
        }
        for (_, peer) in p.upstream.peers() {
            assert_eq!(peer.conns, 0, "an attempt was never released");
        }
    }
});

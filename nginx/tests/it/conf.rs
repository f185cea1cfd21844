//! The configuration parser: the seed file verbatim, nginx's defaults, every parameter, and located errors.

use crate::util::seed_text;
use nginx::conf::{next, parse, parse_time_ms, parse_time_s};
use nginx::upstream::Method;

#[test]
fn seed_upstream_parses_verbatim_with_two_servers_max_fails_2_fail_timeout_30s() {
    let conf = parse("nginx_upstream.conf", &seed_text()).unwrap();
    let u = conf.upstream("web_app").unwrap();
    assert_eq!(u.method, Method::RoundRobin, "#ip_hash is a comment");
    let names: Vec<_> = u.servers.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["192.168.145.201:80", "192.168.145.207:80"]);
    for s in &u.servers {
        assert_eq!((s.weight, s.max_fails, s.fail_timeout_s), (1, 2, 30));
        assert!(!s.backup && !s.down);
    }
    let r = conf.route_for_port(80).unwrap();
    assert_eq!((r.upstream.as_str(), r.location.as_str()), ("web_app", "/"));
    assert_eq!(r.settings.next_upstream, next::ERROR | next::TIMEOUT);
    assert_eq!(r.settings.connect_timeout_ms, 60_000);
}

#[test]
fn server_defaults_are_weight_1_max_fails_1_fail_timeout_10s_port_80() {
    let conf = parse("t", "upstream u { server 192.0.2.1; }").unwrap();
    let s = &conf.upstreams[0].servers[0];
    assert_eq!(s.addr, "192.0.2.1:80".parse().unwrap());
    assert_eq!(
        (s.weight, s.max_fails, s.fail_timeout_s, s.max_conns),
        (1, 1, 10, 0)
    );
}

#[test]
fn every_server_parameter_and_balancer_is_read() {
    let text = "http {\n upstream u {\n  least_conn;\n  server 192.0.2.1:8080 weight=5 max_fails=3 fail_timeout=1m30s max_conns=7;\n  server 192.0.2.2 down;\n  server 192.0.2.3 backup;\n }\n server { listen 8080; location /api { proxy_pass http://u; proxy_next_upstream error timeout http_500 http_503 non_idempotent; proxy_next_upstream_tries 2; proxy_next_upstream_timeout 5s; proxy_connect_timeout 500ms; } }\n}\n";
    let conf = parse("t", text).unwrap();
    let u = &conf.upstreams[0];
    assert_eq!(u.method, Method::LeastConn);
    let s = &u.servers[0];
    assert_eq!(
        (s.weight, s.max_fails, s.fail_timeout_s, s.max_conns),
        (5, 3, 90, 7)
    );
    assert!(u.servers[1].down && u.servers[2].backup);
    let r = conf.route_for_port(8080).unwrap();
    assert_eq!(r.location, "/api");
    let st = &r.settings;
    assert_eq!(
        st.next_upstream,
        next::ERROR | next::TIMEOUT | next::HTTP_500 | next::HTTP_503 | next::NON_IDEMPOTENT
    );
    assert_eq!(
        (
            st.next_upstream_tries,
            st.next_upstream_timeout_ms,
            st.connect_timeout_ms
        ),
        (2, 5000, 500)
    );
}

#[test]
fn proxy_settings_inherit_from_http_to_server_to_location() {
    let text = "http { proxy_next_upstream error http_502; server { listen 80; proxy_next_upstream_tries 3; location / { proxy_pass http://u; } } upstream u { server 192.0.2.1; } }";
    let conf = parse("t", text).unwrap();
    let st = &conf.routes[0].settings;
    assert_eq!(st.next_upstream, next::ERROR | next::HTTP_502);
    assert_eq!(st.next_upstream_tries, 3);
}

#[test]
fn proxy_next_upstream_off_disables_every_retry() {
    let conf = parse("t", "upstream u { server 192.0.2.1; } server { location / { proxy_pass http://u; proxy_next_upstream off; } }").unwrap();
    assert_eq!(conf.routes[0].settings.next_upstream, 0);
}

#[test]
fn hash_key_with_consistent_is_read() {
    let conf = parse(
        "t",
        "upstream u { hash $request_uri consistent; server 192.0.2.1; server 192.0.2.2; }",
    )
    .unwrap();
    assert!(matches!(
        conf.upstreams[0].method,
        Method::Hash {
            consistent: true,
            ..
        }
    ));
}

#[test]
fn ngx_parse_time_units_in_decreasing_order() {
    assert_eq!(parse_time_ms("30s"), Some(30_000));
    assert_eq!(parse_time_ms("30"), Some(30_000));
    assert_eq!(parse_time_ms("1m30s"), Some(90_000));
    assert_eq!(parse_time_ms("250ms"), Some(250));
    assert_eq!(parse_time_ms("1h"), Some(3_600_000));
    assert_eq!(parse_time_ms("30s1m"), None);
    assert_eq!(parse_time_ms("s"), None);
    assert_eq!(parse_time_ms("10x"), None);
    // fail_timeout is read in seconds: milliseconds are not allowed there.
    assert_eq!(parse_time_s("500ms"), None);
    assert_eq!(parse_time_s("2m"), Some(120));
}

fn err(text: &str) -> String {
    parse("x.conf", text).unwrap_err().to_string()
}

#[test]
fn errors_carry_file_line_col() {
    assert_eq!(
        err("upstream u {\n  server 192.0.2.1 weight=0;\n}\n"),
        "x.conf:2:20: invalid parameter \"weight=0\""
    );
    assert_eq!(
        err("upstream u {\n  server 192.0.2.1 max_fails=x;\n}"),
        "x.conf:2:20: invalid parameter \"max_fails=x\""
    );
    assert_eq!(
        err("upstream u {\n  server 192.0.2.1\n}"),
        "x.conf:3:1: unexpected \"}\""
    );
    assert_eq!(
        err("upstream u {\n  server 192.0.2.1;\n"),
        "x.conf:3:1: unexpected end of file, expecting \"}\""
    );
    assert_eq!(
        err("upstream u { }"),
        "x.conf:1:1: no servers are inside upstream \"u\""
    );
    assert_eq!(
        err("upstream u {\n ip_hash;\n least_conn;\n server 192.0.2.1; }"),
        "x.conf:3:2: load balancing method redefined"
    );
    assert_eq!(
        err("upstream u { server 192.0.2.1; }\nserver {\n  location / { proxy_pass http://v; }\n}"),
        "x.conf:3:16: no upstream \"v\" for proxy_pass http://v"
    );
    assert_eq!(
        err("upstream u { server backend.example; }"),
        "x.conf:1:21: invalid address \"backend.example\" (this model takes literal IP addresses: it has no resolver)"
    );
    assert_eq!(
        err("upstream u { hash $nope; server 192.0.2.1; }"),
        "x.conf:1:19: unknown \"nope\" variable"
    );
    assert_eq!(
        err("upstream u { ip_hash; server 192.0.2.1; server 192.0.2.2 backup; }"),
        "x.conf:1:41: invalid parameter \"backup\": the hash balancers do not support backup servers"
    );
    assert_eq!(
        err("server { location / { proxy_next_upstream error bogus; } }"),
        "x.conf:1:49: invalid value \"bogus\""
    );
    assert_eq!(
        err("upstream u { server 192.0.2.1; } }"),
        "x.conf:1:34: unexpected \"}\""
    );
    assert_eq!(err("upstream \"u\"x { }"), "x.conf:1:13: unexpected \"x\"");
}

#[test]
fn quoted_words_and_comments_follow_ngx_conf_read_token() {
    let conf = parse(
        "t",
        "# comment\nupstream \"web app\" { server '192.0.2.1:81' ; # trailing\n }",
    )
    .unwrap();
    assert_eq!(conf.upstreams[0].name, "web app");
    assert_eq!(conf.upstreams[0].servers[0].addr.port(), 81);
}

//! The four balancers against nginx's algorithms.

use crate::util::{ctx, get, pick_ok, proxy, run};
use nginx::crc32::crc32;
use nginx::proxy::{AttemptResult, Decision, HttpMethod};

fn letters(p: &mut nginx::proxy::Proxy, n: usize) -> String {
    (0..n)
        .map(|_| (b'a' + pick_ok(p, 0, get("192.0.2.50:40000")) as u8) as char)
        .collect()
}

#[test]
fn smooth_wrr_weights_5_1_1_give_a_a_b_a_c_a_a() {
    let mut p =
        proxy("upstream u { server 192.0.2.1 weight=5; server 192.0.2.2; server 192.0.2.3; }");
    assert_eq!(letters(&mut p, 14), "aabacaaaabacaa");
}

#[test]
fn smooth_wrr_equal_weights_alternate_in_config_order() {
    let mut p = proxy("upstream u { server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; }");
    assert_eq!(letters(&mut p, 6), "abcabc");
}

#[test]
fn smooth_wrr_skips_down_servers() {
    let mut p =
        proxy("upstream u { server 192.0.2.1 weight=2; server 192.0.2.2 down; server 192.0.2.3; }");
    assert_eq!(letters(&mut p, 6), "acaaca");
}

#[test]
fn backup_servers_take_requests_only_when_no_primary_is_usable() {
    let mut p = proxy("upstream u { server 192.0.2.1 down; server 192.0.2.2 backup; }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| {
        AttemptResult::Status(200)
    });
    assert_eq!(tried.len(), 1);
    assert!(tried[0].backup);
    assert!(matches!(d, Decision::Respond { status: 200, .. }));
    // A primary that refuses moves the request on to the backup.
    let mut p =
        proxy("upstream u { server 192.0.2.1; server 192.0.2.3; server 192.0.2.2 backup; }");
    let (tried, _) = run(&mut p, 0, get("192.0.2.50:1"), |id| {
        if id.backup {
            AttemptResult::Status(200)
        } else {
            AttemptResult::Error { sent: false }
        }
    });
    assert_eq!(
        tried
            .iter()
            .map(|t| (t.backup, t.index))
            .collect::<Vec<_>>(),
        [(false, 0), (false, 1), (true, 0)]
    );
}

#[test]
fn ip_hash_uses_the_first_three_octets_so_a_slash_24_sticks_to_one_server() {
    // hash = 89; for 192, 0, 2: (89*113+192)%6271 = 3978, (3978*113+0)%6271 = 4273, (4273*113+2)%6271 = 6255;
    // 6255 % total weight 2 = 1: the second server.
    let mut p = proxy("upstream u { ip_hash; server 192.0.2.1; server 192.0.2.2; }");
    for host in 1..=254 {
        assert_eq!(pick_ok(&mut p, 0, get(&format!("192.0.2.{host}:40000"))), 1);
    }
    // 198.51.100.0/24: (89*113+198)%6271 = 3984, (3984*113+51)%6271 = 5002, (5002*113+100)%6271 = 936 -> 936 % 2 = 0.
    assert_eq!(pick_ok(&mut p, 0, get("198.51.100.7:1")), 0);
}

#[test]
fn ip_hash_rehashes_away_from_an_unusable_server_and_keeps_the_choice_stable() {
    let mut p =
        proxy("upstream u { ip_hash; server 192.0.2.1; server 192.0.2.2 down; server 192.0.2.3; }");
    let first = pick_ok(&mut p, 0, get("192.0.2.9:1"));
    assert_ne!(first, 1);
    for _ in 0..10 {
        assert_eq!(pick_ok(&mut p, 0, get("192.0.2.9:1")), first);
    }
}

#[test]
fn least_conn_prefers_fewest_connections_per_weight_and_round_robins_ties() {
    let mut p =
        proxy("upstream u { least_conn; server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; }");
    // Three requests in flight at once spread over the three servers.
    let (_r1, d1) = p.start(0, get("192.0.2.50:1"));
    let (mut r2, d2) = p.start(0, get("192.0.2.50:2"));
    let (_r3, d3) = p.start(0, get("192.0.2.50:3"));
    let idx = |d: Decision| match d {
        Decision::Connect(id) => id.index,
        d => panic!("{d:?}"),
    };
    assert_eq!([idx(d1), idx(d2), idx(d3)], [0, 1, 2]);
    // The second finishes: its server now has the fewest connections and takes the next request.
    p.finish(&mut r2, 0, AttemptResult::Status(200));
    let (_r4, d4) = p.start(0, get("192.0.2.50:4"));
    assert_eq!(idx(d4), 1);
}

#[test]
fn least_conn_weights_scale_the_connection_count() {
    let mut p = proxy("upstream u { least_conn; server 192.0.2.1 weight=3; server 192.0.2.2; }");
    let mut held = vec![];
    let mut seq = vec![];
    for i in 0..4 {
        let (r, d) = p.start(0, get(&format!("192.0.2.50:{i}")));
        if let Decision::Connect(id) = d {
            seq.push(id.index);
        }
        held.push(r);
    }
    // conns/weight: a takes the tie first (round robin, weight 3), then b (0/1 < 1/3), then a, a.
    assert_eq!(seq, [0, 1, 0, 0]);
}

#[test]
fn hash_key_is_stable_per_key_and_spreads_keys() {
    let mut p = proxy(
        "upstream u { hash $request_uri; server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; }",
    );
    let mut seen = [0; 3];
    for i in 0..60 {
        let uri = format!("/item/{i}");
        let a = pick_ok(&mut p, 0, ctx("192.0.2.50:1", HttpMethod::Get, &uri));
        let b = pick_ok(&mut p, 0, ctx("192.0.2.51:2", HttpMethod::Get, &uri));
        assert_eq!(a, b, "{uri}");
        seen[a] += 1;
    }
    assert!(seen.iter().all(|&n| n > 5), "{seen:?}");
}

#[test]
fn hash_first_try_is_crc32_high_bits_modulo_total_weight() {
    let mut p = proxy("upstream u { hash $uri; server 192.0.2.1; server 192.0.2.2 weight=2; }");
    let h = u64::from((crc32(b"/x") >> 16) & 0x7fff);
    let expect = if h % 3 < 1 { 0 } else { 1 };
    assert_eq!(
        pick_ok(&mut p, 0, ctx("192.0.2.50:1", HttpMethod::Get, "/x?a=1")),
        expect
    );
}

#[test]
fn crc32_matches_the_ieee_check_value() {
    assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
}

#[test]
fn consistent_hash_moves_only_the_keys_of_a_removed_server() {
    let three = "upstream u { hash $request_uri consistent; server 192.0.2.1; server 192.0.2.2; server 192.0.2.3; }";
    let two = "upstream u { hash $request_uri consistent; server 192.0.2.1; server 192.0.2.2; server 192.0.2.3 down; }";
    let (mut a, mut b) = (proxy(three), proxy(two));
    let mut moved = 0;
    for i in 0..300 {
        let uri = format!("/k/{i}");
        let x = pick_ok(&mut a, 0, ctx("192.0.2.50:1", HttpMethod::Get, &uri));
        let y = pick_ok(&mut b, 0, ctx("192.0.2.50:1", HttpMethod::Get, &uri));
        if x != 2 {
            assert_eq!(x, y, "{uri} was on a surviving server and must stay there");
        } else {
            moved += 1;
        }
    }
    // 160 points per server: each holds roughly a third of the ring.
    assert!((60..140).contains(&moved), "{moved}");
}

#[test]
fn ip_hash_with_no_usable_server_gives_up_after_20_rehashes_and_round_robin_answers_no_live_upstreams(
) {
    let mut p = proxy("upstream u { ip_hash; server 192.0.2.1 down; server 192.0.2.2 down; server 192.0.2.3 down; }");
    let (tried, d) = run(&mut p, 0, get("192.0.2.50:1"), |_| {
        AttemptResult::Status(200)
    });
    assert!(tried.is_empty());
    assert_eq!(
        d,
        Decision::Respond {
            status: 502,
            from: None
        }
    );
}

#[test]
fn hash_with_an_empty_key_falls_back_to_round_robin() {
    // `hash $args` for a request without a query: the key is empty, so nginx balances by round robin.
    let mut p = proxy("upstream u { hash $args; server 192.0.2.1; server 192.0.2.2; }");
    let seq: Vec<usize> = (0..4)
        .map(|_| pick_ok(&mut p, 0, ctx("192.0.2.50:1", HttpMethod::Get, "/no-query")))
        .collect();
    assert_eq!(seq, [0, 1, 0, 1]);
}

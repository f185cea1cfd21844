//! The formatter: format(parse(x)) parses to the same model, for every fixture and for
//! generated models; arbitrary text never panics the parser.

use crate::util::{bad, fixtures, good};
use keepalived_conf::format::format_config;
use keepalived_conf::*;
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::time::Duration;

fn opts() -> ParseOptions {
    ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    }
}

/// The model without spans (spans are where things were written, not what they mean).
fn meaning(c: &Config) -> serde_json::Value {
    serde_json::to_value(c).expect("the model serialises")
}

fn reparse(c: &Config) -> Config {
    let text = format_config(c);
    parse_str(&text, Path::new("formatted.conf"), &opts()).config
}

#[test]
fn format_parse_round_trips_every_fixture() {
    for f in fixtures().into_iter().chain(good()).chain(bad()) {
        let p = parse_file(&f, &opts());
        let again = reparse(&p.config);
        assert_eq!(
            meaning(&again),
            meaning(&p.config),
            "{}:\n{}",
            f.display(),
            format_config(&p.config)
        );
        // Formatting is idempotent.
        assert_eq!(format_config(&again), format_config(&p.config));
    }
}

#[test]
fn formatted_seed_is_canonical() {
    let p = parse_file(
        Path::new("../scenarios/configs/seed/nginx_lb.keepalived.conf"),
        &opts(),
    );
    insta::assert_snapshot!("formatted_seed_nginx_lb", format_config(&p.config));
}

fn name() -> impl Strategy<Value = String> {
    "[A-Za-z_][A-Za-z0-9_]{0,10}"
}

fn vip(v6: bool) -> impl Strategy<Value = VirtualIp> {
    let addr = if v6 {
        any::<u128>()
            .prop_map(|x| IpAddr::V6(Ipv6Addr::from(x)))
            .boxed()
    } else {
        any::<u32>()
            .prop_map(|x| IpAddr::V4(Ipv4Addr::from(x)))
            .boxed()
    };
    let max = if v6 { 128u8 } else { 32 };
    (
        addr,
        proptest::option::of(0..=max),
        proptest::option::of("eth[0-9]"),
        proptest::option::of("[a-z]{1,8}:[0-9]"),
        any::<bool>(),
    )
        .prop_map(|(addr, prefix_len, dev, label, no_track)| VirtualIp {
            addr,
            prefix_len,
            broadcast: None,
            dev,
            scope: None,
            label,
            no_track,
            options: Vec::new(),
            span: Span::default(),
        })
}

fn script() -> impl Strategy<Value = VrrpScript> {
    (
        name(),
        "/[a-z]{1,8}/[a-z_]{1,8}( -[a-z]{1,3}){0,2}",
        proptest::option::of(1u64..1000),
        proptest::option::of(-253i32..=253),
        any::<bool>(),
        proptest::option::of(1u32..10),
        proptest::option::of(1u32..10),
    )
        .prop_map(
            |(name, cmd, interval, weight, rev, rise, fall)| VrrpScript {
                name,
                script: Some(Script {
                    command: cmd,
                    span: Span::default(),
                }),
                interval: interval.map(Duration::from_secs),
                timeout: None,
                weight,
                weight_reverse: rev && weight.is_some(),
                rise,
                fall,
                user: None,
                init_fail: false,
                span: Span::default(),
            },
        )
}

prop_compose! {
    fn instance(scripts: Vec<String>)(
        name in name(),
        v6 in any::<bool>(),
        state in proptest::option::of(prop_oneof![Just(InitialState::Master), Just(InitialState::Backup)]),
        interface in proptest::option::of("eth[0-9]{1,2}"),
        vrid in proptest::option::of(1u8..=255),
        priority in proptest::option::of(1u8..=255),
        advert_cs in proptest::option::of(1u64..=25500),
        nopreempt in any::<bool>(),
        preempt_delay in proptest::option::of(0u64..=1000),
        accept in proptest::option::of(any::<bool>()),
        garp_repeat in proptest::option::of(0u32..100),
        pass in proptest::option::of("[a-z0-9]{1,8}"),
        vips4 in proptest::collection::vec(vip(false), 0..4),
        vips6 in proptest::collection::vec(vip(true), 0..4),
        picks in proptest::collection::vec((any::<proptest::sample::Index>(), proptest::option::of(-253i32..=253)), 0..3),
    ) -> VrrpInstance {
        let mut v = VrrpInstance::named(name);
        v.state = state;
        v.interface = interface;
        v.virtual_router_id = vrid;
        v.priority = priority;
        v.advert_int = advert_cs.map(|cs| Duration::from_millis(cs * 10));
        v.nopreempt = nopreempt;
        v.preempt_delay = preempt_delay.map(Duration::from_secs);
        v.accept = accept;
        v.garp_master_repeat = garp_repeat;
        v.authentication = pass.map(|p| Authentication { auth_type: Some(AuthType::Pass), auth_pass: Some(p) });
        v.virtual_ipaddress = if v6 { vips6 } else { vips4 };
        if !scripts.is_empty() {
            for (ix, w) in picks {
                let n = scripts[ix.index(scripts.len())].clone();
                if v.track_script.iter().any(|t| t.name == n) { continue; }
                v.track_script.push(TrackRef { name: n, weight: w, reverse: false, span: Span::default() });
            }
        }
        v
    }
}

fn config() -> impl Strategy<Value = Config> {
    proptest::collection::vec(script(), 0..3)
        .prop_map(|mut s| {
            let mut seen = Vec::new();
            s.retain(|x| {
                if seen.contains(&x.name) {
                    false
                } else {
                    seen.push(x.name.clone());
                    true
                }
            });
            s
        })
        .prop_flat_map(|scripts| {
            let names: Vec<String> = scripts.iter().map(|s| s.name.clone()).collect();
            (
                Just(scripts),
                proptest::collection::vec(instance(names), 0..4),
            )
        })
        .prop_map(|(scripts, mut instances)| {
            let mut seen = Vec::new();
            instances.retain(|x| {
                if seen.contains(&x.name) {
                    false
                } else {
                    seen.push(x.name.clone());
                    true
                }
            });
            Config {
                vrrp_scripts: scripts,
                vrrp_instances: instances,
                ..Config::default()
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn generated_models_round_trip(cfg in config()) {
        let again = reparse(&cfg);
        prop_assert_eq!(meaning(&again), meaning(&cfg), "{}", format_config(&cfg));
    }

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\\n\\t\u{a0}\u{200b}{}\"#!@$\\\\]{0,400}") {
        // `include` could read this machine's files: keep it out of the generated text.
        prop_assume!(!text.contains("include"));
        let p = parse_str(&text, Path::new("fuzz.conf"), &opts());
        let _ = p.render_diagnostics();
        let _ = format_config(&p.config);
    }

    #[test]
    fn format_of_parsed_arbitrary_text_reparses_to_the_same_model(text in "(vrrp_instance V \\{\n( (interface eth[0-9]|virtual_router_id [0-9]{1,3}|priority [0-9]{1,3}|advert_int [0-9]\\.[0-9]{1,2}|nopreempt|state (MASTER|BACKUP))\n){0,6}( virtual_ipaddress \\{\n(  192\\.0\\.2\\.[0-9]{1,3}(/[0-9]{1,2})?\n){0,3} \\}\n)?\\}\n){1,3}") {
        let p = parse_str(&text, Path::new("gen.conf"), &opts());
        let again = reparse(&p.config);
        prop_assert_eq!(meaning(&again), meaning(&p.config));
    }
}

fn word_soup() -> impl Strategy<Value = String> {
    let names: Vec<String> = keepalived_conf::keywords::all()
        .into_iter()
        .map(|k| k.name.to_string())
        .collect();
    let word = prop_oneof![
        proptest::sample::select(names),
        Just("{".to_string()),
        Just("}".to_string()),
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?",
        "[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}(/[0-9]{1,3})?",
        "[a-f0-9:]{2,20}",
        "[A-Za-z_\u{a0}]{1,8}",
        Just("weight".to_string()),
        Just("\"".to_string()),
    ];
    proptest::collection::vec(proptest::collection::vec(word, 1..6), 1..60).prop_map(|lines| {
        lines
            .into_iter()
            .map(|l| l.join(" "))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn keyword_soup_never_panics_and_formats_reparse(text in word_soup()) {
        let p = parse_str(&text, Path::new("soup.conf"), &opts());
        let _ = p.render_diagnostics();
        let again = reparse(&p.config);
        prop_assert_eq!(meaning(&again), meaning(&p.config), "{}\n---\n{}", text, format_config(&p.config));
    }
}

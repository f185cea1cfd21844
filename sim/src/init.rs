//! `sim init A.conf B.conf [--out FILE]`: a starter scenario for a pair of keepalived.conf files.
//!
//! The scenario puts both routers and a client of the first IPv4 VIP on one segment, crashes the initial master,
//! restarts it, stops the master of that moment gracefully, and asserts what the RFC timer formulas
//! ([`vrrp::timing`]) predict for these very configs, with each formula written out as a comment next to its
//! expectation. This module owns the planning and the text; it never overwrites an existing file.

use keepalived_conf::model::{Config, VrrpInstance};
use keepalived_conf::{parse_file, ParseOptions};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Component, Path, PathBuf};
use vrrp::time::Duration as VDuration;
use vrrp::timing;
use vrrp::wire::Version;

/// Why no scenario was written.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// A config has no vrrp_instance.
    #[error("{file}: no vrrp_instance in this config:\n{diagnostics}")]
    Config {
        /// The config file.
        file: String,
        /// Its diagnostics, rendered.
        diagnostics: String,
    },
    /// The configs share no VRID.
    #[error("{0} and {1} have no virtual_router_id in common: they are not a VRRP pair")]
    NoSharedVrid(String, String),
    /// The output exists.
    #[error("{0} already exists; sim init never overwrites a file (pass another --out)")]
    Exists(String),
    /// Reading or writing failed.
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

/// Where the simulated client starts requesting the VIP.
const CLIENT_START_S: f64 = 5.0;
/// The initial master crashes here (well after start-up has settled).
const CRASH_S: f64 = 10.9;
/// It boots again here.
const RESTART_S: f64 = 20.0;
/// The master of that moment is stopped gracefully here.
const STOP_S: f64 = 30.9;
/// Scenario length.
const DURATION_S: f64 = 40.0;
/// Slack on every bound: a frame crosses two links of 50 µs (the default latency) between routers.
const SLACK_MS: f64 = 1.0;

/// One VRID both configs run.
struct Vrid<'a> {
    vrid: u8,
    a: &'a VrrpInstance,
    b: &'a VrrpInstance,
}

fn vdur(d: std::time::Duration) -> VDuration {
    VDuration::from_nanos(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

fn ms(d: VDuration) -> f64 {
    d.as_nanos() as f64 / 1e6
}

/// A duration as the scenario format writes it, in ms with up to 6 decimals (exact for these formulas).
fn dur_text(ms_value: f64) -> String {
    let t = format!("{ms_value:.6}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    format!("\"{t}ms\"")
}

fn load(p: &Path) -> Result<(Config, Vec<String>), InitError> {
    let opts = ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    };
    let parsed = parse_file(p, &opts);
    // keepalived still starts with most error-level findings (a disabled track script is an error to the
    // linter, not to keepalived); only a config without any vrrp_instance is useless here.
    if parsed.config.vrrp_instances.is_empty() {
        return Err(InitError::Config {
            file: p.display().to_string(),
            diagnostics: parsed.render_diagnostics(),
        });
    }
    let notes: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.severity == keepalived_conf::Severity::Error)
        .map(|d| format!("{}:{}: {}", d.span.file.display(), d.span.line, d.message))
        .collect();
    Ok((parsed.config, notes))
}

/// `to` relative to the directory `from` (both made absolute first), with `/` separators.
fn relative(from: &Path, to: &Path) -> String {
    let abs = |p: &Path| {
        std::fs::canonicalize(p).unwrap_or_else(|_| {
            std::env::current_dir()
                .map(|d| d.join(p))
                .unwrap_or_else(|_| p.to_path_buf())
        })
    };
    let (f, t) = (abs(from), abs(to));
    let fc: Vec<Component<'_>> = f.components().collect();
    let tc: Vec<Component<'_>> = t.components().collect();
    let common = fc.iter().zip(&tc).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec![];
    for _ in common..fc.len() {
        parts.push("..".into());
    }
    for c in tc.iter().skip(common) {
        parts.push(c.as_os_str().to_string_lossy().into_owned());
    }
    parts.join("/")
}

/// The routers' own addresses: unicast_src_ip if the configs name one, else hosts .11 and .12 of the first IPv4
/// VIP's /24 (or 192.0.2.0/24 when there is none).
fn addresses(va: &VrrpInstance, vb: &VrrpInstance) -> (Ipv4Addr, Ipv4Addr, u8) {
    let v4 = |i: &VrrpInstance| match i.unicast_src_ip {
        Some(IpAddr::V4(a)) => Some(a),
        _ => None,
    };
    let vip = va.virtual_ipaddress.iter().find_map(|v| match v.addr {
        IpAddr::V4(a) => Some((a, v.prefix_len)),
        _ => None,
    });
    let prefix = match vip {
        Some((_, Some(p))) if (8..=30).contains(&p) => p,
        _ => 24,
    };
    if let (Some(a), Some(b)) = (v4(va), v4(vb)) {
        return (a, b, prefix);
    }
    let net = vip.map(|(a, _)| a.octets()).unwrap_or([192, 0, 2, 0]);
    let host = |h: u8| {
        let mut h = h;
        if vip.is_some_and(|(a, _)| a.octets()[3] == h) {
            h += 100;
        }
        Ipv4Addr::new(net[0], net[1], net[2], h)
    };
    (host(11), host(12), prefix)
}

/// The scenario text for configs `a` and `b`, to be written at `out`.
pub fn generate(a: &Path, b: &Path, out: &Path) -> Result<String, InitError> {
    let (ca, notes_a) = load(a)?;
    let (cb, notes_b) = load(b)?;
    let mut vrids: Vec<Vrid<'_>> = vec![];
    for ia in &ca.vrrp_instances {
        let Some(v) = ia.virtual_router_id else {
            continue;
        };
        if vrids.iter().any(|x| x.vrid == v) {
            continue;
        }
        if let Some(ib) = cb
            .vrrp_instances
            .iter()
            .find(|i| i.virtual_router_id == Some(v) && i.is_ipv6() == ia.is_ipv6())
        {
            vrids.push(Vrid {
                vrid: v,
                a: ia,
                b: ib,
            });
        }
    }
    let Some(first) = vrids.first() else {
        return Err(InitError::NoSharedVrid(
            a.display().to_string(),
            b.display().to_string(),
        ));
    };
    let (ip_a, ip_b, prefix) = addresses(first.a, first.b);
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (rel_a, rel_b) = (relative(dir, a), relative(dir, b));
    let client_target = ca
        .vrrp_instances
        .iter()
        .flat_map(|i| &i.virtual_ipaddress)
        .find_map(|v| match v.addr {
            IpAddr::V4(x) => Some(x),
            _ => None,
        });
    let name = out
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "mine".into());

    let mut s = String::new();
    let _ = writeln!(s, "// Starter scenario written by `sim init` for the pair:");
    let _ = writeln!(s, "//   a = {}", a.display());
    let _ = writeln!(s, "//   b = {}", b.display());
    let _ = writeln!(s, "//");
    let _ = writeln!(
        s,
        "// The initial master crashes at {CRASH_S} s (no priority-0 advert), boots again at {RESTART_S} s, and at\n\
         // {STOP_S} s the master of that moment is stopped gracefully (priority-0 advert). Every bound below is\n\
         // what the RFC timer formulas give for these configs (vrrp::timing), plus {SLACK_MS} ms for the link\n\
         // crossings:"
    );
    let _ = writeln!(
        s,
        "//   RFC 3768 §6.1 (v2): Master_Down_Interval = 3 × Advertisement_Interval + Skew_Time, \
         Skew_Time = (256 − Priority) / 256 s"
    );
    let _ = writeln!(
        s,
        "//   RFC 5798 §6.1 (v3): Master_Down_Interval = 3 × Master_Adver_Interval + Skew_Time, \
         Skew_Time = (256 − Priority) × Master_Adver_Interval / 256"
    );
    let _ = writeln!(
        s,
        "// A crash is noticed after Master_Down_Interval from the last advert (RFC 3768/5798 §6.4.2), a\n\
         // priority-0 advert after Skew_Time (§6.4.2). Edit the faults and expectations freely; run it with\n\
         //   cargo run -p sim -- {}",
        out.display()
    );
    for n in notes_a.iter().chain(&notes_b) {
        let _ = writeln!(
            s,
            "// check-config error (the run behaves as keepalived would): {n}"
        );
    }
    let _ = writeln!(s, "Scenario(");
    let _ = writeln!(s, "    name: {name:?},");
    let _ = writeln!(
        s,
        "    description: \"crash, restart and graceful stop of the initial master for this config pair\","
    );
    let _ = writeln!(s, "    duration: \"{DURATION_S}s\",");
    let _ = writeln!(s, "    segments: [(name: \"lan\")],");
    let _ = writeln!(s, "    nodes: [");
    let _ = writeln!(
        s,
        "        Router(name: \"a\", segment: \"lan\", ip: \"{ip_a}/{prefix}\", config: File({rel_a:?})),"
    );
    let _ = writeln!(
        s,
        "        Router(name: \"b\", segment: \"lan\", ip: \"{ip_b}/{prefix}\", config: File({rel_b:?})),"
    );
    if let Some(t) = client_target {
        let c = if prefix <= 24 {
            let o = ip_a.octets();
            Ipv4Addr::new(
                o[0],
                o[1],
                o[2],
                if o[3] == 50 || t.octets()[3] == 50 {
                    51
                } else {
                    50
                },
            )
        } else {
            Ipv4Addr::new(192, 0, 2, 50)
        };
        let _ = writeln!(
            s,
            "        Client(name: \"client\", segment: \"lan\", ip: \"{c}/{prefix}\", target: \"{t}:80\", \
             interval: \"100ms\", timeout: \"1s\", start: \"{CLIENT_START_S}s\"),"
        );
    }
    let _ = writeln!(s, "    ],");

    // Plan who is master when, per VRID.
    let addr_of = |n: &str| if n == "a" { ip_a } else { ip_b };
    let mut plans: Vec<Vec<String>> = vec![];
    let mut crash_node: Option<&'static str> = None;
    let mut stop_node: Option<&'static str> = None;
    for v in &vrids {
        let g = |n: &str| {
            if n == "a" {
                &ca.global_defs
            } else {
                &cb.global_defs
            }
        };
        let inst = |n: &str| if n == "a" { v.a } else { v.b };
        let ver = |n: &str| {
            if inst(n).effective_version(g(n)) == 3 {
                Version::V3
            } else {
                Version::V2
            }
        };
        let prio = |n: &str| inst(n).effective_priority();
        let adv = |n: &str| vdur(inst(n).effective_advert_int(g(n)));
        // RFC 3768 §6.4.3 / RFC 5798 §6.4.3: higher priority wins, then the higher primary address.
        let first: &'static str = if (prio("a"), addr_of("a")) > (prio("b"), addr_of("b")) {
            "a"
        } else {
            "b"
        };
        let other = |n: &str| -> &'static str {
            if n == "a" {
                "b"
            } else {
                "a"
            }
        };
        let crash = *crash_node.get_or_insert(first);
        let mut lines = vec![];
        lines.push(format!(
            "        // vrid {}: {first} starts as master (priority {} vs {}{}).",
            v.vrid,
            prio(first),
            prio(other(first)),
            if prio("a") == prio("b") {
                ", equal: the higher primary address wins"
            } else {
                ""
            }
        ));
        lines.push(format!(
            "        MasterIs(node: \"{first}\", at: \"{}s\", vrid: {}),",
            CRASH_S - 0.9,
            v.vrid
        ));
        // The interval the taker-over uses: v2 its own advert_int, v3 the learned Master_Adver_Interval.
        let learned = |taker: &str, master: &str| {
            if ver(taker) == Version::V3 {
                adv(master)
            } else {
                adv(taker)
            }
        };
        let mut master_at_stop = first;
        if first == crash {
            let t = other(first);
            let iv = learned(t, first);
            let mdi = timing::master_down_interval(ver(t), prio(t), iv);
            lines.push(format!(
                "        // {t}: Master_Down_Interval = 3 × {} ms + (256 − {}){} / 256 = {} ms (RFC {} §6.1).",
                ms(iv),
                prio(t),
                if ver(t) == Version::V3 { format!(" × {} ms", ms(iv)) } else { " × 1000 ms".into() },
                ms(mdi),
                if ver(t) == Version::V3 { "5798" } else { "3768" }
            ));
            lines.push(format!(
                "        FailoverWithin(after: \"{CRASH_S}s\", within: {}, vrid: {}, to: \"{t}\"),",
                dur_text(ms(mdi) + SLACK_MS),
                v.vrid
            ));
            // After the restart the crashed node preempts unless it has nopreempt (which keepalived clears on a
            // `state MASTER` instance).
            if inst(first).nopreempt
                && inst(first).effective_state() != keepalived_conf::model::InitialState::Master
            {
                lines.push(format!(
                    "        // {first} has nopreempt: it stays BACKUP after its restart (RFC 3768 §6.4.2, Preempt_Mode false)."
                ));
                lines.push(format!(
                    "        MasterIs(node: \"{t}\", at: \"{}s\", vrid: {}),",
                    STOP_S - 0.9,
                    v.vrid
                ));
                master_at_stop = t;
            } else {
                let own = timing::master_down_interval(ver(first), prio(first), adv(first));
                let delay = inst(first)
                    .preempt_delay
                    .map(|d| ms(vdur(d)))
                    .unwrap_or(0.0);
                lines.push(format!(
                    "        // {first} preempts after its restart within preempt_delay {delay} ms + its own \
                     Master_Down_Interval {} ms (it discards lower-priority adverts, RFC 3768/5798 §6.4.2).",
                    ms(own)
                ));
                lines.push(format!(
                    "        FailoverWithin(after: \"{RESTART_S}s\", within: {}, vrid: {}, to: \"{first}\"),",
                    dur_text(delay + ms(own) + SLACK_MS),
                    v.vrid
                ));
            }
        }
        let stop = *stop_node.get_or_insert(master_at_stop);
        if master_at_stop == stop {
            let t = other(stop);
            let iv = learned(t, stop);
            let skew = timing::skew_time(ver(t), prio(t), iv);
            lines.push(format!(
                "        // graceful stop of {stop}: {t} waits only Skew_Time = (256 − {}){} / 256 = {} ms (RFC {} §6.1, §6.4.2).",
                prio(t),
                if ver(t) == Version::V3 { format!(" × {} ms", ms(iv)) } else { " × 1000 ms".into() },
                ms(skew),
                if ver(t) == Version::V3 { "5798" } else { "3768" }
            ));
            lines.push(format!(
                "        FailoverWithin(after: \"{STOP_S}s\", within: {}, vrid: {}, to: \"{t}\"),",
                dur_text(ms(skew) + SLACK_MS),
                v.vrid
            ));
        }
        plans.push(lines);
    }
    let crash = crash_node.unwrap_or("a");
    let stop = stop_node.unwrap_or("a");
    let _ = writeln!(s, "    faults: [");
    let _ = writeln!(
        s,
        "        (at: \"{CRASH_S}s\", fault: Crash(node: \"{crash}\")),"
    );
    let _ = writeln!(
        s,
        "        (at: \"{RESTART_S}s\", fault: Restart(node: \"{crash}\")),"
    );
    let _ = writeln!(
        s,
        "        (at: \"{STOP_S}s\", fault: Stop(node: \"{stop}\")),"
    );
    let _ = writeln!(s, "    ],");
    let _ = writeln!(s, "    expect: [");
    for p in &plans {
        for l in p {
            let _ = writeln!(s, "{l}");
        }
    }
    let _ = writeln!(s, "        SingleMaster(),");
    let _ = writeln!(
        s,
        "        // The capture must follow the RFCs under keepalived's profile: zero errors."
    );
    let _ = writeln!(s, "        CaptureConforms(profile: \"keepalived\"),");
    let _ = writeln!(s, "    ],");
    let _ = writeln!(s, ")");
    Ok(s)
}

/// Writes the scenario for `a` and `b` to `out`, refusing to overwrite an existing file.
pub fn write_new(a: &Path, b: &Path, out: &Path) -> Result<PathBuf, InitError> {
    if out.exists() {
        return Err(InitError::Exists(out.display().to_string()));
    }
    if let Some(dir) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| InitError::Io(dir.display().to_string(), e))?;
    }
    let text = generate(a, b, out)?;
    use std::io::Write as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(out)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => InitError::Exists(out.display().to_string()),
            _ => InitError::Io(out.display().to_string(), e),
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| InitError::Io(out.display().to_string(), e))?;
    Ok(out.to_path_buf())
}

//! The report of one capture and its renderings: text for a terminal, JSON (schema in
//! docs/conformance-json.md), JUnit XML for CI and Markdown.
//!
//! This module owns presentation only; every number in a [`Report`] comes from `engine.rs`.

use std::fmt::Write as _;

use serde::Serialize;

/// Severity of a finding (DESIGN: `error` = a MUST is broken, `warning` = a SHOULD, `note` = an extension or
/// a known deviation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// An extension or known deviation.
    Note,
    /// A SHOULD is broken.
    Warning,
    /// A MUST is broken.
    Error,
}

impl Severity {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One master epoch: a maximal run of adverts from one source.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Master {
    /// Source IP address.
    pub src_ip: String,
    /// Source MAC (`null` for raw-IP captures).
    pub src_mac: Option<String>,
    /// First advert (Wireshark frame number).
    pub first_frame: u64,
    /// Last advert with a non-zero priority.
    pub last_frame: u64,
    /// Time of the first advert (s since the first packet).
    pub first_time: f64,
    /// Time of the last advert with a non-zero priority.
    pub last_time: f64,
    /// Distinct priorities advertised, ascending (0 included when it resigned).
    pub priorities: Vec<u8>,
    /// Number of adverts in the epoch (unicast copies to further peers not counted).
    pub adverts: u64,
    /// The epoch ended with a priority-0 advert.
    pub resigned: bool,
    /// Gratuitous ARPs / unsolicited NAs for the advertised addresses sent by this master during the epoch.
    pub garps: u64,
    /// The epoch began inside the capture with a takeover (not already master when the capture started).
    pub takeover: bool,
}

/// Advert-interval statistics over gaps between consecutive adverts of the same master.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct IntervalStats {
    /// Median gap (ms).
    pub median_ms: f64,
    /// 99th percentile gap (ms).
    pub p99_ms: f64,
    /// Largest gap (ms).
    pub max_ms: f64,
    /// Number of gaps.
    pub samples: u64,
}

/// One virtual router, identified by (interface, family, VRID).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct RouterReport {
    /// Capture interface label (`if0`, the pcapng `if_name`, with `@ifindexN` for SLL2 and `.vlanN`).
    pub interface: String,
    /// `ipv4` or `ipv6`.
    pub family: &'static str,
    /// VRRP version of the first advert (2 or 3).
    pub version: u8,
    /// Virtual router ID.
    pub vrid: u8,
    /// Adverts were sent to unicast addresses (keepalived `unicast_peer`).
    pub unicast: bool,
    /// Profile used for this router.
    pub profile: &'static str,
    /// Why `auto` chose that profile (empty when the profile was given).
    pub profile_reasons: Vec<String>,
    /// v3 over IPv4: which checksum form the adverts use (`pseudo-header`, `no-pseudo-header`, `mixed`).
    pub checksum_form: Option<&'static str>,
    /// Advertised addresses (from the first advert).
    pub addresses: Vec<String>,
    /// Adverts counted for this router.
    pub adverts: u64,
    /// Master epochs in time order.
    pub masters: Vec<Master>,
    /// Advert-interval statistics (`null` with fewer than one gap).
    pub advert_interval: Option<IntervalStats>,
}

/// A change of master.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Failover {
    /// Interface label.
    pub interface: String,
    /// `ipv4` / `ipv6`.
    pub family: &'static str,
    /// VRID.
    pub vrid: u8,
    /// Old master's source address.
    pub from: String,
    /// New master's source address.
    pub to: String,
    /// From the old master's last advert (its priority-0 advert when it resigned) to the new master's first.
    pub gap_ms: f64,
    /// From the old master's last advert with a non-zero priority to the new master's first.
    pub since_last_regular_ms: f64,
    /// The old master resigned with a priority-0 advert.
    pub resigned: bool,
    /// Frame of the new master's first advert.
    pub frame: u64,
    /// Time of the new master's first advert.
    pub time: f64,
}

/// Two or more sources advertising the same virtual router concurrently for longer than one interval.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SplitBrain {
    /// Interface label.
    pub interface: String,
    /// `ipv4` / `ipv6`.
    pub family: &'static str,
    /// VRID.
    pub vrid: u8,
    /// Start of the window (s).
    pub from_time: f64,
    /// End of the window (s).
    pub to_time: f64,
    /// The sources advertising concurrently.
    pub sources: Vec<String>,
}

/// One finding. Repeats of the same rule with the same message on the same router are folded into one
/// finding with a `count`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Finding {
    /// Checklist ID.
    pub rule: String,
    /// Severity under the router's profile.
    pub severity: Severity,
    /// First frame (1-based, as Wireshark numbers them).
    pub frame: u64,
    /// Time of that frame (s since the first packet).
    pub time: f64,
    /// What is wrong, for a network engineer.
    pub message: String,
    /// RFC and section.
    pub rfc: String,
    /// How many frames showed it.
    pub count: u64,
    /// The first frames that showed it (at most 8).
    pub frames: Vec<u64>,
    /// `interface/family/vrid` of the virtual router, when the finding belongs to one.
    pub router: Option<String>,
}

/// A rule that was not checked, with the reason.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct NotChecked {
    /// Rule ID.
    pub rule: String,
    /// Why.
    pub reason: String,
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Summary {
    /// Findings with severity `error`.
    pub errors: u64,
    /// Findings with severity `warning`.
    pub warnings: u64,
    /// Findings with severity `note`.
    pub notes: u64,
}

/// The report for one capture file.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Report {
    /// The file name as given.
    pub file: String,
    /// Link type(s), comma-separated when a pcapng mixes several.
    pub link_type: String,
    /// Profile requested (`auto` by default); each router says which one it used.
    pub profile: &'static str,
    /// Packet records read.
    pub packets: u64,
    /// VRRP adverts (ICMP errors quoting VRRP are not counted).
    pub vrrp_packets: u64,
    /// Virtual routers.
    pub routers: Vec<RouterReport>,
    /// Master changes, in time order.
    pub failovers: Vec<Failover>,
    /// Split-brain windows.
    pub split_brain: Vec<SplitBrain>,
    /// Findings, in order of first frame.
    pub findings: Vec<Finding>,
    /// Rules not checked, with reasons.
    pub not_checked: Vec<NotChecked>,
    /// Counts by severity.
    pub summary: Summary,
}

impl Report {
    /// True when there is at least one error (exit code 1).
    pub fn has_errors(&self) -> bool {
        self.summary.errors > 0
    }

    /// Stable, pretty JSON (docs/conformance-json.md).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Human-readable text for a terminal.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "{}: {} packets, {} VRRP adverts, link type {}, profile {}",
            self.file, self.packets, self.vrrp_packets, self.link_type, self.profile
        );
        for r in &self.routers {
            let _ = writeln!(
                s,
                "\nvirtual router {} {} VRID {} (VRRPv{}{}), profile {}{}",
                r.interface,
                r.family,
                r.vrid,
                r.version,
                if r.unicast { ", unicast" } else { "" },
                r.profile,
                if r.profile_reasons.is_empty() {
                    String::new()
                } else {
                    format!(" because {}", r.profile_reasons.join("; "))
                }
            );
            if !r.addresses.is_empty() {
                let _ = writeln!(s, "  addresses: {}", r.addresses.join(", "));
            }
            if let Some(st) = &r.advert_interval {
                let _ = writeln!(
                    s,
                    "  advert interval: median {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} gaps)",
                    st.median_ms, st.p99_ms, st.max_ms, st.samples
                );
            }
            for m in &r.masters {
                let _ = writeln!(
                    s,
                    "  master {}{}: {:.3}..{:.3} s (frames {}..{}), {} adverts, priority {}{}, {} GARP/NA{}",
                    m.src_ip,
                    m.src_mac.as_ref().map(|m| format!(" ({m})")).unwrap_or_default(),
                    m.first_time,
                    m.last_time,
                    m.first_frame,
                    m.last_frame,
                    m.adverts,
                    m.priorities.iter().map(|p| p.to_string()).collect::<Vec<_>>().join("/"),
                    if m.resigned { ", resigned" } else { "" },
                    m.garps,
                    if m.takeover { ", took over" } else { "" },
                );
            }
        }
        if !self.failovers.is_empty() {
            let _ = writeln!(s, "\nfailovers:");
            for f in &self.failovers {
                let _ = writeln!(
                    s,
                    "  {:.3} s frame {} {} {} VRID {}: {} -> {}, gap {:.1} ms{} (since last regular advert {:.1} ms)",
                    f.time,
                    f.frame,
                    f.interface,
                    f.family,
                    f.vrid,
                    f.from,
                    f.to,
                    f.gap_ms,
                    if f.resigned { " after priority-0 advert" } else { "" },
                    f.since_last_regular_ms
                );
            }
        }
        if !self.split_brain.is_empty() {
            let _ = writeln!(s, "\nsplit brain:");
            for b in &self.split_brain {
                let _ = writeln!(
                    s,
                    "  {} {} VRID {}: {:.3}..{:.3} s, sources {}",
                    b.interface,
                    b.family,
                    b.vrid,
                    b.from_time,
                    b.to_time,
                    b.sources.join(", ")
                );
            }
        }
        if !self.findings.is_empty() {
            let _ = writeln!(s, "\nfindings:");
            for f in &self.findings {
                let _ = writeln!(
                    s,
                    "  {:<7} {} frame {} ({:.3} s){}: {} [{}]",
                    f.severity.name(),
                    f.rule,
                    f.frame,
                    f.time,
                    if f.count > 1 {
                        format!(", {} times", f.count)
                    } else {
                        String::new()
                    },
                    f.message,
                    f.rfc
                );
            }
        }
        let _ = writeln!(
            s,
            "\nsummary: {} errors, {} warnings, {} notes; {} rules not checked (see --format json)",
            self.summary.errors,
            self.summary.warnings,
            self.summary.notes,
            self.not_checked.len()
        );
        s
    }

    /// Markdown, for CI summaries and reports.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "## VRRP conformance: `{}`\n", self.file);
        let _ = writeln!(
            s,
            "{} packets, {} VRRP adverts, link type {}, profile `{}`. **{} errors, {} warnings, {} notes.**\n",
            self.packets,
            self.vrrp_packets,
            self.link_type,
            self.profile,
            self.summary.errors,
            self.summary.warnings,
            self.summary.notes
        );
        if !self.routers.is_empty() {
            let _ = writeln!(
                s,
                "| interface | family | VRID | version | unicast | profile | median interval (ms) | masters |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
            for r in &self.routers {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {} | {} |",
                    r.interface,
                    r.family,
                    r.vrid,
                    r.version,
                    if r.unicast { "yes" } else { "no" },
                    r.profile,
                    r.advert_interval
                        .as_ref()
                        .map(|a| format!("{:.1}", a.median_ms))
                        .unwrap_or_else(|| "-".into()),
                    r.masters
                        .iter()
                        .map(|m| format!("{} ({:.3}–{:.3} s)", m.src_ip, m.first_time, m.last_time))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            let _ = writeln!(s);
        }
        if !self.failovers.is_empty() {
            let _ = writeln!(s, "### Failovers\n");
            let _ = writeln!(s, "| time (s) | frame | VRID | from | to | gap (ms) | since last regular (ms) | resigned |");
            let _ = writeln!(s, "|---|---|---|---|---|---|---|---|");
            for f in &self.failovers {
                let _ = writeln!(
                    s,
                    "| {:.3} | {} | {} | {} | {} | {:.1} | {:.1} | {} |",
                    f.time,
                    f.frame,
                    f.vrid,
                    f.from,
                    f.to,
                    f.gap_ms,
                    f.since_last_regular_ms,
                    f.resigned
                );
            }
            let _ = writeln!(s);
        }
        if !self.split_brain.is_empty() {
            let _ = writeln!(s, "### Split brain\n");
            for b in &self.split_brain {
                let _ = writeln!(
                    s,
                    "- {} {} VRID {}: {:.3}–{:.3} s, {}",
                    b.interface,
                    b.family,
                    b.vrid,
                    b.from_time,
                    b.to_time,
                    b.sources.join(", ")
                );
            }
            let _ = writeln!(s);
        }
        if !self.findings.is_empty() {
            let _ = writeln!(s, "### Findings\n");
            let _ = writeln!(
                s,
                "| severity | rule | frame | time (s) | count | message | RFC |"
            );
            let _ = writeln!(s, "|---|---|---|---|---|---|---|");
            for f in &self.findings {
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {:.3} | {} | {} | {} |",
                    f.severity.name(),
                    f.rule,
                    f.frame,
                    f.time,
                    f.count,
                    f.message.replace('|', "\\|"),
                    f.rfc
                );
            }
            let _ = writeln!(s);
        }
        s
    }
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' => {}
            c => o.push(c),
        }
    }
    o
}

/// JUnit XML for several reports: one `<testsuite>` per file, one `<testcase>` per finding (errors are
/// `<failure>`s, warnings and notes are passing cases with `<system-out>`), plus one passing case per checked
/// file so that a clean capture still shows up.
pub fn to_junit(reports: &[Report]) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let failures: u64 = reports.iter().map(|r| r.summary.errors).sum();
    let tests: usize = reports.iter().map(|r| r.findings.len() + 1).sum();
    let _ = writeln!(
        s,
        "<testsuites name=\"vrrp-conformance\" tests=\"{tests}\" failures=\"{failures}\">"
    );
    for r in reports {
        let _ = writeln!(
            s,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\">",
            xml_escape(&r.file),
            r.findings.len() + 1,
            r.summary.errors
        );
        let _ = writeln!(
            s,
            "    <testcase classname=\"{}\" name=\"capture read ({} packets, {} adverts, profile {})\"/>",
            xml_escape(&r.file),
            r.packets,
            r.vrrp_packets,
            r.profile
        );
        for f in &r.findings {
            let name = format!("{} frame {}", f.rule, f.frame);
            let body = format!("{} [{}] ({} times)", f.message, f.rfc, f.count);
            match f.severity {
                Severity::Error => {
                    let _ = writeln!(
                        s,
                        "    <testcase classname=\"{}\" name=\"{}\"><failure type=\"error\" message=\"{}\">{}</failure></testcase>",
                        xml_escape(&r.file),
                        xml_escape(&name),
                        xml_escape(&f.message),
                        xml_escape(&body)
                    );
                }
                sev => {
                    let _ = writeln!(
                        s,
                        "    <testcase classname=\"{}\" name=\"{}\"><system-out>{}: {}</system-out></testcase>",
                        xml_escape(&r.file),
                        xml_escape(&name),
                        sev.name(),
                        xml_escape(&body)
                    );
                }
            }
        }
        let _ = writeln!(s, "  </testsuite>");
    }
    s.push_str("</testsuites>\n");
    s
}

//! docs/conformance-coverage.md is generated from the rule catalog; this test keeps it current.
//! Regenerate with `CONFORMANCE_WRITE_DOCS=1 cargo test -p conformance --test it docs`.

use conformance::rules::{Coverage, RULES};

fn render() -> String {
    let mut s = String::from(
        "# Conformance checker coverage\n\n\
         Generated from `conformance/src/rules.rs` by `conformance/tests/it/docs.rs` \
         (`CONFORMANCE_WRITE_DOCS=1 cargo test -p conformance --test it docs`). Every ID of \
         [rfc-checklist.md](rfc-checklist.md) is listed with how the checker covers it:\n\n\
         - **checked from the capture**: any pcap, no extra input;\n\
         - **checked with configs**: the part that needs configuration runs with `--config SRC_IP=keepalived.conf` \
         (library: `CheckOptions::configs`); a bare capture still gets the capture part;\n\
         - **checked with the simulator's events**: the part that needs node start/stop/crash or fault times runs when \
         the simulator passes `CheckOptions::events`;\n\
         - **checked only in the simulator**: needs probes or node state that only the simulator has;\n\
         - **not checkable**: from traffic, at all.\n\n\
         A report's `not_checked` list names the rules (or parts) that did not run for that capture, with the reason.\n\n",
    );
    let mut counts = std::collections::BTreeMap::new();
    for r in RULES {
        *counts.entry(r.coverage.label()).or_insert(0) += 1;
    }
    s.push_str("| coverage | rules |\n|---|---|\n");
    for (k, v) in &counts {
        s.push_str(&format!("| {k} | {v} |\n"));
    }
    s.push_str("\n| ID | RFC | level | requirement | coverage | what the checker does |\n|---|---|---|---|---|---|\n");
    for r in RULES {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            r.id,
            r.rfc,
            r.level,
            r.what.replace('|', "\\|"),
            r.coverage.label(),
            r.how.replace('|', "\\|")
        ));
    }
    let _ = Coverage::Capture;
    s.push_str(PERF);
    s
}

const PERF: &str = include_str!("perf_section.md");

#[test]
fn coverage_doc_is_current() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/conformance-coverage.md");
    let want = render();
    if std::env::var_os("CONFORMANCE_WRITE_DOCS").is_some() {
        if let Err(e) = std::fs::write(&path, &want) {
            panic!("cannot write {}: {e}", path.display());
        }
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/conformance-coverage.md is stale: regenerate it (see the module doc)"
    );
}

#[test]
fn catalog_lists_every_checklist_id_once() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rfc-checklist.md"),
    )
    .unwrap_or_default();
    let mut ids = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("| ") {
            let id = rest.split(' ').next().unwrap_or("");
            if (id.starts_with("V2-") || id.starts_with("V3-") || id.starts_with("COM-"))
                && id.len() >= 6
            {
                ids.push(id.to_string());
            }
        }
    }
    assert_eq!(ids.len(), 92);
    for id in &ids {
        assert_eq!(RULES.iter().filter(|r| r.id == id).count(), 1, "{id}");
    }
}

//! An insta snapshot of the JSON report of every capture in pcaps/ (profile auto).

use std::path::Path;

use conformance::Profile;

fn walk(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("pcap" | "pcapng")
        ) {
            if let Ok(rel) = p.strip_prefix(crate::pcaps()) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
}

#[test]
fn every_capture_report_snapshot() {
    let mut files = Vec::new();
    walk(&crate::pcaps(), &mut files);
    assert!(files.len() >= 16, "{files:?}");
    for rel in files {
        let mut r = crate::check(&rel, Profile::Auto);
        r.file = rel.clone();
        let name = rel.replace(['/', '.'], "_");
        insta::assert_snapshot!(name, r.to_json());
    }
}

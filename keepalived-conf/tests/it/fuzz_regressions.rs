//! Inputs found while fuzzing the parser (docs/fuzzing.md), kept as regression tests.

use keepalived_conf::{parse_str, ParseOptions};
use std::path::Path;

/// `include` with nine brace groups of ten alternatives each: 10^9 glob patterns before brace
/// expansion was capped (5^9 already took half a minute). Now at most 1024 alternatives are
/// tried, none exists, and keepalived's "no match" warning is given once.
#[test]
fn include_brace_bomb_is_capped() {
    let group = format!("{{{}}}", ",".repeat(9));
    let text = format!("include {}x\n", group.repeat(9));
    let opts = ParseOptions {
        check_scripts: false,
        ..ParseOptions::default()
    };
    let p = parse_str(
        &text,
        Path::new("/nonexistent-vrrpsim-dir/keepalived.conf"),
        &opts,
    );
    let codes: Vec<&str> = p.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec!["include-no-match"]);
}

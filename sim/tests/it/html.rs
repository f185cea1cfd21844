//! report.html and the batch index.html: structure from the library, and (when Debian's chromium is installed)
//! a headless render with a screenshot, no console errors and the timeline present in the DOM.

use crate::util;
use sim::html;

#[test]
fn report_html_is_self_contained_with_timeline_faults_failovers_clients_and_expectations() {
    let r = util::run(&util::load("library/chk_schedown.ron"), 1);
    let page = html::render_run(&r.report, &r.timeline, "capture.pcapng");
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("<svg id=\"state-timeline\""));
    assert!(page.contains("<svg id=\"client-plot\""));
    // No network: no external script, stylesheet or image; the only URL is the SVG namespace.
    let urls = page.matches("http").count();
    let ns = page.matches("http://www.w3.org/2000/svg").count();
    assert_eq!(urls, ns);
    assert!(!page.contains("<script"));
    assert!(page.contains("<a href=\"capture.pcapng\">capture (pcapng)</a>"));
    // Two faults, two markers.
    assert_eq!(page.matches("<g class=\"fault\">").count(), 2);
    // One row per expectation.
    assert_eq!(
        page.matches("<td class=\"pass\">PASS</td>").count(),
        r.report.expectations.len()
    );
    // Failovers with their measured gap and RFC bound.
    let f = html::failovers(&r.report, &r.timeline);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].node, "r2");
    assert_eq!(f[0].bound, Some((3613.28125, "Master_Down_Interval")));
    assert_eq!(f[1].node, "r1");
    assert_eq!(f[1].bound, Some((3609.375, "Master_Down_Interval")));
    assert!(
        page.contains("<td>4722.756 ms</td><td>Master_Down_Interval = 3613.281 ms</td>"),
        "{page}"
    );
}

#[test]
fn rfc3768_6_4_2_graceful_stop_failover_is_annotated_with_skew_time() {
    let r = util::run(&util::load("library/graceful_stop.ron"), 1);
    let f = html::failovers(&r.report, &r.timeline);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].bound,
        Some((613.28125, "Skew_Time (old master sent priority 0)"))
    );
}

#[test]
fn batch_run_writes_report_html_per_run_and_an_index_linking_them() {
    let out = util::tempdir("html-batch");
    let st = std::process::Command::new(env!("CARGO_BIN_EXE_sim"))
        .arg(util::repo().join("scenarios/library/graceful_stop.ron"))
        .arg(util::repo().join("scenarios/library/stall_short.ron"))
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    for s in ["graceful_stop", "stall_short"] {
        assert!(out.join("library").join(s).join("report.html").is_file());
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("<h1>vrrpsim runs: 2/2 passed</h1>"),
        "{index}"
    );
    assert!(
        index.contains("<a href=\"library/graceful_stop/report.html\">library/graceful_stop</a>")
    );
    assert!(index.contains("<a href=\"library/stall_short/report.html\">library/stall_short</a>"));
}

#[test]
fn report_html_renders_in_headless_chromium_without_console_errors() {
    let Ok(bin) = which_chromium() else {
        eprintln!("chromium not installed; skipping the browser check");
        return;
    };
    let dir = util::tempdir("html-chromium");
    let r = util::run(&util::load("library/stall_long.ron"), 1);
    sim::runner::write_outputs(&dir, &r).unwrap();
    let page = dir.join("report.html");
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let shot = dir.join("shot.png");
    let o = std::process::Command::new(&bin)
        .args(common)
        .arg("--window-size=1100,1400")
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 20_000, "screenshot is nearly empty");
    let o = std::process::Command::new(&bin)
        .args(common)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("id=\"state-timeline\""), "{dom}");
    assert!(dom.contains("class=\"state master\""));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        !stderr.lines().any(|l| l.contains("CONSOLE")),
        "console messages: {stderr}"
    );
}

fn which_chromium() -> Result<std::path::PathBuf, ()> {
    for c in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        let p = std::path::PathBuf::from(c);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(())
}

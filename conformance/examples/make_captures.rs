//! Writes the crafted captures under pcaps/bad/ and pcaps/synthetic/ (deterministic; a test checks the
//! committed files are what this writes).
//!
//!     cargo run -p conformance --example make_captures

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../pcaps");
    for c in conformance::synth::crafted() {
        let p = root.join(c.path);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, &c.bytes)?;
        println!("{} ({} bytes): {}", p.display(), c.bytes.len(), c.what);
    }
    Ok(())
}

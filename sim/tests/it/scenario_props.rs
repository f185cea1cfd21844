//! The scenario loader never panics: arbitrary text and byte-level mutations of a real scenario
//! either load or give a located error, and a loaded one builds a world or gives one (the
//! property that the `scenario_loader` fuzz target checks at scale, see docs/fuzzing.md).

use crate::util;
use proptest::prelude::*;
use sim::scenario;
use sim::world::World;

/// Loads `text` as if it were `scenarios/split_brain.ron`, so its config paths resolve to the
/// repository's files; builds the world when it loads.
fn load_and_build(text: &str) {
    let path = util::repo().join("scenarios/split_brain.ron");
    match scenario::parse_str(&path, text) {
        Ok(loaded) => {
            let _ = World::build(&loaded, loaded.scenario.seed);
        }
        Err(e) => {
            assert!(e.line >= 1 && e.col >= 1, "error without a location: {e}");
        }
    }
}

fn base() -> String {
    std::fs::read_to_string(util::repo().join("scenarios/split_brain.ron")).unwrap_or_default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "[ -~\\n\u{e9}\u{2028}]{0,300}") {
        load_and_build(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        load_and_build(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_scenario_never_panics(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        cut in 0usize..400,
    ) {
        let mut bytes = base().into_bytes();
        prop_assume!(!bytes.is_empty());
        for (at, byte) in edits {
            let i = at.index(bytes.len());
            bytes[i] = byte;
        }
        bytes.truncate(bytes.len().saturating_sub(cut));
        load_and_build(&String::from_utf8_lossy(&bytes));
    }
}

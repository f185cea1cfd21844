//! The conformance checker's pcap/pcapng reader, decoder and rule engine on arbitrary bytes
//! taken as a whole capture file.
//!
//! The input's length picks the profile (so every profile's rules run, and a capture file from
//! the repository is a seed as it is). The
//! reader is also driven directly, record by record, so its own contract is checked: after
//! `End`, `Truncated` or `Corrupt` it keeps answering `End`. A readable capture's report must
//! render in every output format.
#![no_main]

use conformance::capture::{CaptureReader, Next};
use conformance::{check_bytes, CheckOptions, Profile};
use libfuzzer_sys::fuzz_target;

const PROFILES: [Profile; 5] = [
    Profile::Auto,
    Profile::Rfc3768,
    Profile::Rfc5798,
    Profile::Rfc9568,
    Profile::Keepalived,
];

fn reader(file: &[u8]) {
    let Ok(mut rd) = CaptureReader::new(file, "fuzz.pcap") else {
        return;
    };
    let _ = rd.format();
    let _ = rd.interfaces().len();
    // Every record consumes at least its header, so the loop is bounded by the input length.
    for _ in 0..=file.len() {
        match rd.next_record() {
            Ok(Next::Record(r)) => {
                assert!(
                    r.data.len() <= file.len(),
                    "record data comes from the file"
                );
            }
            // A pcapng interface with an unsupported link type makes the rest unreadable.
            Err(_) => return,
            Ok(_) => {
                assert!(
                    matches!(rd.next_record(), Ok(Next::End)),
                    "a finished stream stays finished"
                );
                return;
            }
        }
    }
    panic!("reader returned more records than the file has bytes");
}

fuzz_target!(|data: &[u8]| {
    let file = data;
    reader(file);
    let opts = CheckOptions {
        profile: PROFILES[file.len() % PROFILES.len()],
        ..CheckOptions::default()
    };
    if let Ok(report) = check_bytes("fuzz.pcap", file, &opts) {
        let _ = report.to_text();
        let _ = report.to_json();
        let _ = report.to_markdown();
        let _ = conformance::report::to_junit(std::slice::from_ref(&report));
    }
});

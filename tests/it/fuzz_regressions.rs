//! Inputs the fuzzer found to crash or hang a parser (fuzz/README.md), replayed through the
//! targets the fuzzer runs (`tlsproof::fuzzing`): each must return, without a panic, within
//! [`LIMIT`]. Short inputs are written here; a longer or binary one is a file
//! `tests/fixtures/fuzz/<target>.<case>` read with `include_bytes!` (a file, not a folder, so
//! that no fixture tree is taken for a case to scan).

use std::time::{Duration, Instant};

/// Far above what any of these inputs takes (milliseconds) and far below a hang.
const LIMIT: Duration = Duration::from_secs(20);

/// Runs the target `name` on `input` in a thread of its own, with a scratch folder of its own;
/// fails on a panic or when it has not returned within [`LIMIT`].
fn replay(name: &str, input: &[u8]) {
    let target = tlsproof::fuzzing::target(name).unwrap_or_else(|| panic!("no target {name}"));
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().to_path_buf();
    let input = input.to_vec();
    let (done, finished) = std::sync::mpsc::channel();
    let started = Instant::now();
    let runner = std::thread::spawn(move || {
        tlsproof::fuzzing::use_scratch_dir(dir);
        target(&input);
        let _ = done.send(());
    });
    match finished.recv_timeout(LIMIT) {
        Ok(()) => runner.join().unwrap(),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{name}: not done after {:?}", started.elapsed())
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            let panic = runner
                .join()
                .expect_err("the target ended without finishing");
            panic!("{name} panicked: {panic:?}");
        }
    }
}

#[test]
fn every_target_reads_empty_binary_and_invalid_utf8_input() {
    let inputs: [&[u8]; 4] = [
        b"",
        b"\0\0\0\xff",
        b"\xc3\x28 \xed\xa0\x80 {",
        b"\xef\xbb\xbf\r\n",
    ];
    for (name, _) in tlsproof::fuzzing::TARGETS {
        for input in inputs {
            replay(name, input);
        }
    }
}

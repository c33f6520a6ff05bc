//! `tlsproof-fuzz TARGET`: feeds the inputs of AFL++ (outside AFL++, standard input once) to
//! one target of `tlsproof::fuzzing`; `tlsproof-fuzz --list` names the targets. A panic aborts
//! the process, which AFL++ records as a crash.

use std::process::ExitCode;

fn main() -> ExitCode {
    let name = std::env::args().nth(1).unwrap_or_default();
    if name == "--list" {
        for (target, _) in tlsproof::fuzzing::TARGETS {
            println!("{target}");
        }
        return ExitCode::SUCCESS;
    }
    let Some(target) = tlsproof::fuzzing::target(&name) else {
        let names: Vec<&str> = tlsproof::fuzzing::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: tlsproof-fuzz TARGET\ntargets: {}", names.join(" "));
        return ExitCode::from(2);
    };
    // One input before the fork server starts, so that what a target sets up once (the scratch
    // folder, the claims policy) is set up in the parent, and every run covers the same code.
    target(b"");
    afl::fuzz!(|data: &[u8]| target(data));
    ExitCode::SUCCESS
}

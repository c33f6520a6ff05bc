//! The command line as a user meets it: each `tests/cmd/*.toml` runs the binary with its
//! arguments and compares exit code, stdout and stderr with the files beside it (`--help` of
//! every command included). `TRYCMD=overwrite cargo test` rewrites them after a deliberate
//! change.

#[test]
fn cli_cases() {
    trycmd::TestCases::new()
        .register_bin(
            "tlsproof",
            std::path::Path::new(env!("CARGO_BIN_EXE_tlsproof")),
        )
        .case("tests/cmd/*.toml");
}

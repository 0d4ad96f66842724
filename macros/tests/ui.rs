//! Compile tests: every `tests/ui/pass/*.rs` builds and runs, every `tests/ui/fail/*.rs` fails
//! with exactly the diagnostics in its `.stderr` (regenerate with `TRYBUILD=overwrite`).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

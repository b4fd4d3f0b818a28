//! Compile errors that `generate_api!` itself owns: a bad argument, a directory it cannot read,
//! and a spec with mistakes. Each lands on the path literal. What the spec mistakes say is tested
//! in `dbs-codegen/tests/errors.rs`; here only that they reach the user as one compile error.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p dbs-api --test ui`,
//! then read them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

//! Compile errors that `generate_api!` itself owns: a bad argument, a directory it cannot read,
//! and a spec with mistakes. Each lands on the path literal. What the spec mistakes say is tested
//! in `dbs-codegen/tests/errors.rs`; here only that they reach the user as one compile error.
//!
//! The cases need only the macro, so they live in its crate: trybuild builds them in a package of
//! its own, with this crate's dependencies (not `dbs-api`'s HTTP client and runtime).
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite cargo test -p dbs-macros --test ui`,
//! then read them.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

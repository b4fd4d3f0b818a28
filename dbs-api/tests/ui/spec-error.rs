// A spec with mistakes: one compile error on the literal lists every mistake with its file and
// JSON pointer.
//
// trybuild builds this file in its own package under `<target>/tests/trybuild/dbs-api/`, and the
// macro resolves the path against that package's manifest directory; from there the workspace
// root is four levels up (the default target directory is `<workspace>/target`).
dbs_macros::generate_api!("../../../../dbs-api/tests/ui/bad-spec");

fn main() {}

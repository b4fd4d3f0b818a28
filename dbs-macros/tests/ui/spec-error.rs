// A spec with mistakes: one compile error on the literal lists every mistake with its file and
// JSON pointer. (The path resolves relative to this file: trybuild builds it in a package of its
// own.)
dbs_macros::generate_api!("bad-spec");

fn main() {}

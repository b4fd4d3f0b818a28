// A directory that does not exist: the error names it as written.
dbs_macros::generate_api!("spec/no-such-version");

fn main() {}

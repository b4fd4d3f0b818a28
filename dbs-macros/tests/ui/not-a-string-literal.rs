// The argument is the spec directory as a string literal, not a path or an expression.
dbs_macros::generate_api!(../spec/dbs-2019-03-06);

fn main() {}

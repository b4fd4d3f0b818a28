//! `dbs-codegen check <spec dir>` and `dbs-codegen expand <spec dir>`.

use std::path::Path;
use std::process::ExitCode;

use dbs_codegen::{Options, SpecDir, expand, format};

const USAGE: &str = "usage: dbs-codegen check <spec dir>   (exit 0, or 1 listing every spec error)
       dbs-codegen expand <spec dir>  (print the generated Rust, formatted)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, dir) = match args.as_slice() {
        [command, dir] if command == "check" || command == "expand" => {
            (command.as_str(), dir.as_str())
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let spec = match SpecDir::read(Path::new(dir), dir).and_then(|files| files.lower()) {
        Ok(spec) => spec,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    if command == "check" {
        println!("{dir}: {} operation(s), no errors", spec.operations.len());
        return ExitCode::SUCCESS;
    }
    match format(expand(&spec, &Options::default())) {
        Ok(source) => {
            print!("{source}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // The emitter's output always parses; reaching this is a bug in dbs-codegen.
            eprintln!("internal error: generated code does not parse: {e}");
            ExitCode::FAILURE
        }
    }
}

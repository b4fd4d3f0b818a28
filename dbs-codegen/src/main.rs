//! `dbs-codegen check <spec dir>`, `dbs-codegen expand <spec dir>`, `dbs-codegen schema` and
//! `dbs-codegen import --metadata FILE --overlay DIR --out DIR`.

use std::io::{ErrorKind, Write};
use std::path::Path;
use std::process::ExitCode;

use dbs_codegen::{Options, SpecDir, WriteError, import, schema, write_formatted};

const USAGE: &str = "usage: dbs-codegen check <spec dir>   (exit 0, or 1 listing every spec error)
       dbs-codegen expand <spec dir>  (print the generated Rust, formatted)
       dbs-codegen schema             (print the JSON Schema of spec files, spec/schema.json)
       dbs-codegen import --metadata FILE --overlay DIR --out DIR
                                      (write the spec from Alibaba's official API metadata and our
                                       overlay; exit 1 listing every mistake)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [command] = args.as_slice()
        && command == "schema"
    {
        return write_stdout(&schema());
    }
    if args.first().is_some_and(|c| c == "import") {
        return run_import(&args[1..]);
    }
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
        return write_stdout(&format!(
            "{dir}: {} operation(s), no errors\n",
            spec.operations.len()
        ));
    }
    // Part by part: the whole file is never held at once (BENCHMARKS.md, codegen scaling).
    let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match write_formatted(&spec, &Options::default(), &mut stdout)
        .and_then(|()| stdout.flush().map_err(WriteError::Io))
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(WriteError::Io(e)) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            // A parse error is a bug in dbs-codegen: the emitter's output always parses.
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `import --metadata FILE --overlay DIR --out DIR`, the flags in any order.
fn run_import(args: &[String]) -> ExitCode {
    let (mut metadata, mut overlay, mut out) = (None, None, None);
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let slot = match flag.as_str() {
            "--metadata" => &mut metadata,
            "--overlay" => &mut overlay,
            "--out" => &mut out,
            _ => {
                eprintln!("{USAGE}");
                return ExitCode::from(2);
            }
        };
        // A flag given twice would silently take its last value (`--out` included).
        if slot.is_some() {
            eprintln!("{flag} is given twice\n{USAGE}");
            return ExitCode::from(2);
        }
        *slot = rest.next().map(Path::new);
    }
    let (Some(metadata), Some(overlay), Some(out)) = (metadata, overlay, out) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    // Writing the spec over the overlay would replace each `<Operation>.json` of it.
    if let (Ok(a), Ok(b)) = (out.canonicalize(), overlay.canonicalize())
        && a == b
    {
        eprintln!(
            "error: {}: --out is the overlay directory; the spec is written elsewhere (spec/<product>-<version>)",
            out.display()
        );
        return ExitCode::FAILURE;
    }
    let files = match import::import(metadata, overlay) {
        Ok(files) => files,
        Err(errors) => {
            eprint!("{errors}");
            return ExitCode::FAILURE;
        }
    };
    match import::write_dir(out, &files) {
        Ok(report) => {
            for name in &report.removed {
                eprintln!(
                    "removed {}: the metadata no longer has the operation",
                    out.join(name).display()
                );
            }
            eprintln!(
                "{}: {} operation(s) imported, {} file(s) changed",
                out.display(),
                files.len() - 1,
                report.written.len()
            );
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Writes to stdout. A reader that stops early (`dbs-codegen expand … | head`) is not a failure,
/// so a broken pipe exits 0, where `print!` would panic.
fn write_stdout(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

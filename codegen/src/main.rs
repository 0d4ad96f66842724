//! The `rosetta` command line: check, format and generate from IDL files.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use rosetta_codegen::{Options, compile, emit, fmt};

/// mimalloc instead of the system allocator: generation builds and drops millions of small token
/// trees and syntax nodes, and glibc's `malloc`/`free` were about 30% of the instructions of
/// `generate --target rust` (callgrind, issue 17). A library cannot choose the allocator, so
/// this serves the CLI only; a build script keeps its own.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Rosetta: one interface definition, four protocols (XML-RPC, REST, gRPC, Kafka).
#[derive(Parser)]
#[command(name = "rosetta", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check IDL files and report every problem found.
    ///
    /// Each file is checked with everything it imports. Exits 0 when every file is valid and 1
    /// when any has an error (warnings alone do not fail); diagnostics go to stderr.
    Check {
        /// The IDL files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Extra folders to search for imports (after the importing file's own folder).
        #[arg(short = 'I', long = "include")]
        include: Vec<PathBuf>,
    },
    /// Format IDL files in place, in the one canonical style (comments are kept).
    Fmt {
        /// The IDL files to format.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 and name the files that are not formatted.
        #[arg(long)]
        check: bool,
    },
    /// Generate code or documents for a target from IDL files.
    ///
    /// All files form one compilation (with their imports); output goes under --out.
    Generate {
        /// The IDL files to compile.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// What to generate.
        #[arg(short, long, value_enum)]
        target: Target,
        /// The folder to write into (created if missing).
        #[arg(short, long)]
        out: PathBuf,
        /// Extra folders to search for imports.
        #[arg(short = 'I', long = "include")]
        include: Vec<PathBuf>,
        /// For `--target rust`: the protocols to generate glue for (the `rosetta` crate needs
        /// the feature of each one). Default: all four.
        #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Protocol::Xmlrpc, Protocol::Rest, Protocol::Grpc, Protocol::Kafka])]
        protocols: Vec<Protocol>,
        /// For `--target rust`: leave out the server side (handlers, the tonic adapter, the
        /// served OpenAPI document, `Server<S>`), for a crate whose `rosetta` dependency has no
        /// `server` feature.
        #[arg(long)]
        no_server: bool,
        /// For `--target rust`: leave out the typed clients.
        #[arg(long)]
        no_client: bool,
    },
}

/// A protocol the Rust target can generate glue for (and the `rosetta` feature it needs).
#[derive(Clone, Copy, PartialEq, ValueEnum)]
enum Protocol {
    Xmlrpc,
    Rest,
    Grpc,
    Kafka,
}

/// The generation targets.
#[derive(Clone, Copy, ValueEnum)]
enum Target {
    /// The checked model as JSON (`ir.json`): what every emitter reads.
    Ir,
    /// Rust: one file per package (`shop.v1.rs`), `_include.rs` nesting them all and, with gRPC,
    /// the `.proto` files and descriptor set they include (`rosetta-proto/`); include
    /// `_include.rs` from a crate, no build script needed.
    Rust,
    /// Protocol Buffers: one `.proto` per IDL file, for gRPC clients in any language.
    Proto,
    /// OpenAPI 3.1: `openapi.json`, every REST route.
    Openapi,
    /// AsyncAPI 3.0: `asyncapi.json`, every Kafka topic.
    Asyncapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, include } => {
            let options = Options {
                include_dirs: include,
            };
            let mut failed = false;
            for file in files {
                let c = rosetta_codegen::driver::check(std::slice::from_ref(&file), &options);
                eprint!("{}", c.render_diagnostics());
                failed |= c.diagnostics.has_errors();
            }
            if failed {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Fmt { files, check } => {
            let mut code = ExitCode::SUCCESS;
            for file in files {
                match fmt::format_file(&file) {
                    Ok(outcome) if outcome.changed() => {
                        if check {
                            eprintln!("{}: not formatted", file.display());
                            code = ExitCode::FAILURE;
                        } else if let Err(e) = std::fs::write(&file, &outcome.formatted) {
                            eprintln!("error: cannot write `{}`: {e}", file.display());
                            code = ExitCode::FAILURE;
                        }
                    }
                    Ok(_) => {}
                    Err(rendered) => {
                        eprint!("{rendered}");
                        code = ExitCode::FAILURE;
                    }
                }
            }
            code
        }
        Command::Generate {
            files,
            target,
            out,
            include,
            protocols,
            no_server,
            no_client,
        } => {
            let options = Options {
                include_dirs: include,
            };
            let c = compile(&files, &options);
            eprint!("{}", c.render_diagnostics());
            let Some(ir) = c.ir else {
                return ExitCode::FAILURE;
            };
            // The sources, syntax trees and name tables are not needed past this point: freed
            // on another thread while the emitter starts (at 20,000 types, 30 ms of frees off
            // the way), their memory then serving the emitter (200 MB the output would
            // otherwise fault in afresh).
            let program = c.program;
            let freeing = std::thread::spawn(move || drop(program));
            let written = generate(ir, target, &out, &protocols, no_server, no_client);
            // Joined (it is done by now) so nothing is left running at exit.
            let _ = freeing.join();
            written
        }
    }
}

/// Writes `target`'s files for `ir` into `out`.
fn generate(
    ir: rosetta_codegen::ir::Ir,
    target: Target,
    out: &std::path::Path,
    protocols: &[Protocol],
    no_server: bool,
    no_client: bool,
) -> ExitCode {
    if let Target::Rust = target {
        // The same writer as the Builder's, so the output includes what it needs.
        let config = emit::rust::Config {
            xmlrpc: protocols.contains(&Protocol::Xmlrpc),
            rest: protocols.contains(&Protocol::Rest),
            grpc: protocols.contains(&Protocol::Grpc),
            kafka: protocols.contains(&Protocol::Kafka),
            server: !no_server,
            client: !no_client,
            ..emit::rust::Config::default()
        };
        let written = rosetta_codegen::builder::write_rust(&ir, &config, out);
        // The process ends here: its memory goes back to the system whole, so the IR's
        // million small allocations are not freed one by one first.
        std::mem::forget(ir);
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Target::Openapi = target {
        // Indented straight into the file: the document is never held whole.
        let path = out.join(emit::openapi::FILE_NAME);
        let written = std::fs::create_dir_all(out)
            .and_then(|()| std::fs::File::create(&path))
            .and_then(|mut file| emit::openapi::write_document(&ir, &mut file));
        std::mem::forget(ir);
        return match written {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e}", path.display());
                ExitCode::FAILURE
            }
        };
    }
    let outputs: Vec<(String, String)> = match target {
        Target::Ir => match serde_json::to_string_pretty(&ir) {
            Ok(json) => vec![("ir.json".to_string(), json + "\n")],
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
        },
        other => {
            let files = match other {
                Target::Proto => emit::proto::generate(&ir),
                // Ir, Rust and OpenAPI were handled above.
                _ => emit::asyncapi::generate(&ir),
            };
            match files {
                Ok(files) => files.into_iter().map(|f| (f.name, f.contents)).collect(),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    };
    // As for the Rust target: the process ends, nothing is freed item by item.
    std::mem::forget(ir);
    if let Err(e) = std::fs::create_dir_all(out) {
        eprintln!("error: cannot create `{}`: {e}", out.display());
        return ExitCode::FAILURE;
    }
    for (name, text) in outputs {
        let path = out.join(&name);
        if let Err(e) = write_in_pieces(&path, text.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}

/// Writes `bytes` to `path` in writes of 1 MiB: the kernel takes one write of tens of megabytes
/// several times slower than the same bytes in pieces (a 69 MB `openapi.json` at 20,000 types:
/// 170 ms in one `write`, 20 ms in 1 MiB ones, measured on this project's build machine).
fn write_in_pieces(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut file = std::fs::File::create(path)?;
    for piece in bytes.chunks(1 << 20) {
        file.write_all(piece)?;
    }
    Ok(())
}

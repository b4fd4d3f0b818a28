//! `generate_api!("../spec/dbs-2019-03-06")`: brings `dbs-codegen`'s output into `dbs-api`.
//!
//! The path is relative to the calling crate's `Cargo.toml` (or, when nothing is there, to the
//! calling file). Every failure (a missing directory, bad JSON, a spec mistake) becomes a compile
//! error on the path literal that lists every mistake with its file and JSON pointer. Each file read is `include_str!`-ed, so editing the spec
//! rebuilds the crate.

use std::path::PathBuf;

use proc_macro2::TokenStream;
use quote::quote;
use syn::LitStr;

/// Generates the API of the spec directory named by the string literal.
#[proc_macro]
pub fn generate_api(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let literal: LitStr = syn::parse2(input)?;
    let shown = literal.value();
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").map_err(|_| {
        syn::Error::new(
            literal.span(),
            "CARGO_MANIFEST_DIR is not set; build with cargo",
        )
    })?;
    let dir = resolve(PathBuf::from(manifest_dir).join(&shown), &literal);
    let fail = |message: String| syn::Error::new(literal.span(), message.trim_end());
    let files = dbs_codegen::SpecDir::read(&dir, &shown).map_err(|e| fail(e.to_string()))?;
    let spec = files.lower().map_err(|e| fail(e.to_string()))?;
    let generated = dbs_codegen::expand(&spec, &dbs_codegen::Options::default());
    // Depend on every file read, so an edit to the spec rebuilds.
    let tracked = files.paths.iter().map(|p| p.display().to_string());
    Ok(quote! {
        #(const _: &str = include_str!(#tracked);)*
        #generated
    })
}

/// The spec directory: relative to the crate's `Cargo.toml`; when nothing is there, relative to
/// the file that calls the macro, as `include_str!` resolves. (trybuild compiles UI tests in a
/// package of its own, whose manifest directory is not the crate's.)
fn resolve(manifest_relative: PathBuf, literal: &LitStr) -> PathBuf {
    if manifest_relative.exists() {
        return manifest_relative;
    }
    literal
        .span()
        .unwrap()
        .local_file()
        .and_then(|file| Some(file.parent()?.join(literal.value())))
        .filter(|path| path.exists())
        .unwrap_or(manifest_relative)
}

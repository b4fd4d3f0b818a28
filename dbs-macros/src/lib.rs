//! `generate_api!("../spec/dbs-2019-03-06")`: brings `dbs-codegen`'s output into `dbs-api`.
//!
//! The path is relative to the calling crate's `Cargo.toml`. Every failure (a missing directory,
//! bad JSON, a spec mistake) becomes a compile error on the path literal that lists every mistake
//! with its file and JSON pointer. Each file read is `include_str!`-ed, so editing the spec
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
    let dir = PathBuf::from(manifest_dir).join(&shown);
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

//! dbs-codegen cannot depend on dbs-api (the other way round), so `dbs_codegen::reserved` keeps
//! copies of the names this crate uses. These tests compare the copies with the real thing: the
//! methods of `Client` and `RequestBuilder` as written in `src/`, the signer's common parameters,
//! the types at the crate root. A failure names the name and the file to edit.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dbs_codegen::reserved;

const RESERVED_RS: &str = "dbs-codegen/src/reserved.rs";

/// Every `.rs` file under `src/`, parsed, with its path relative to the crate.
fn sources() -> Vec<(String, syn::File)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("src/ is readable")
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    walk(&root.join("src"), &mut paths);
    assert!(paths.len() > 10, "found only {paths:?}");
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable source");
            let file = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
            let shown = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            (format!("dbs-api/{shown}"), file)
        })
        .collect()
}

/// Items of a file, inline modules' included.
fn items(items: &[syn::Item]) -> Vec<&syn::Item> {
    let mut out = Vec::new();
    for item in items {
        out.push(item);
        if let syn::Item::Mod(m) = item
            && let Some((_, inner)) = &m.content
        {
            out.extend(self::items(inner));
        }
    }
    out
}

/// The last segment of a type path: `RequestBuilder` for `RequestBuilder<'c, I>`.
fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// The methods a trait gives its implementor, provided ones included.
fn trait_methods(name: &str) -> &'static [&'static str] {
    match name {
        "Clone" => &["clone", "clone_from"],
        "Debug" | "Display" => &["fmt"],
        "Default" => &["default"],
        "PartialEq" => &["eq", "ne"],
        _ => &[],
    }
}

/// Every method callable on `ty` with `.name(..)` or `Type::name(..)` that a generated inherent
/// method would clash with or shadow: inherent methods (public or not), the methods of the traits
/// it implements or derives. With the file that defines each.
fn methods_of(ty: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (file, parsed) in sources() {
        for item in items(&parsed.items) {
            match item {
                syn::Item::Impl(imp) if type_name(&imp.self_ty).as_deref() == Some(ty) => {
                    let own = imp.items.iter().filter_map(|i| match i {
                        syn::ImplItem::Fn(f) => Some(f.sig.ident.to_string()),
                        _ => None,
                    });
                    found.extend(own.map(|m| (m, file.clone())));
                    if let Some((path, _)) = &imp.trait_ {
                        let name = path.segments.last().map(|s| s.ident.to_string());
                        let provided = trait_methods(name.as_deref().unwrap_or_default());
                        found.extend(provided.iter().map(|m| ((*m).to_owned(), file.clone())));
                    }
                }
                syn::Item::Struct(s) if s.ident == ty => {
                    for attr in s.attrs.iter().filter(|a| a.path().is_ident("derive")) {
                        attr.parse_nested_meta(|meta| {
                            let name = meta.path.segments.last().map(|s| s.ident.to_string());
                            let provided = trait_methods(name.as_deref().unwrap_or_default());
                            found.extend(provided.iter().map(|m| ((*m).to_owned(), file.clone())));
                            Ok(())
                        })
                        .expect("a derive list");
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// Asserts that `reserved` (the list `list` of reserved.rs) holds exactly the methods of `ty`.
fn assert_reserved_methods(ty: &str, list: &str, reserved: &[&str]) {
    let found = methods_of(ty);
    assert!(!found.is_empty(), "no impl of {ty} found under dbs-api/src");
    let mut problems = Vec::new();
    for (method, file) in &found {
        if !reserved.contains(&method.as_str()) {
            problems.push(format!(
                "`{ty}::{method}` ({file}) is not reserved: add \"{method}\" to {list} in \
                 {RESERVED_RS}, or, for a private helper, move it off `{ty}` (client::Inner or a \
                 free function) so generated methods cannot clash with it"
            ));
        }
    }
    let names: BTreeSet<&str> = found.iter().map(|(m, _)| m.as_str()).collect();
    for method in reserved {
        if !names.contains(method) {
            problems.push(format!(
                "{list} in {RESERVED_RS} lists \"{method}\", which `{ty}` no longer has: remove it"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn client_methods_are_exactly_the_reserved_ones() {
    assert_reserved_methods("Client", "CLIENT_METHODS", reserved::CLIENT_METHODS);
}

#[test]
fn request_builder_methods_are_exactly_the_reserved_ones() {
    assert_reserved_methods(
        "RequestBuilder",
        "REQUEST_BUILDER_METHODS",
        reserved::REQUEST_BUILDER_METHODS,
    );
}

#[test]
fn the_private_helpers_are_not_client_methods() {
    // They moved to client::Inner and free functions; the generated client may use these names.
    let methods: Vec<String> = methods_of("Client").into_iter().map(|(m, _)| m).collect();
    for helper in [
        "execute",
        "prepare",
        "dynamic_call",
        "attempt",
        "sign",
        "url",
    ] {
        assert!(
            !methods.iter().any(|m| m == helper),
            "{helper} in {methods:?}"
        );
        assert!(!reserved::CLIENT_METHODS.contains(&helper), "{helper}");
    }
    let methods: Vec<String> = methods_of("RequestBuilder")
        .into_iter()
        .map(|(m, _)| m)
        .collect();
    assert!(!methods.iter().any(|m| m == "prepare_call"), "{methods:?}");
}

#[test]
fn common_parameters_are_the_signers() {
    assert_eq!(
        reserved::COMMON_PARAMETERS,
        dbs_api::signing::COMMON_PARAMETERS,
        "{RESERVED_RS} COMMON_PARAMETERS must equal dbs_api::signing::COMMON_PARAMETERS \
         (dbs-api/src/signing/mod.rs)"
    );
}

#[test]
fn the_test_side_signer_sends_the_runtime_s_common_parameters() {
    // The raw V1 signer of the tests (tests/src/signer.rs) cannot use the runtime's list; its
    // copy must name the same parameters: its fixed ones plus the three it fills per request.
    let mut test_side: Vec<&str> = dbs_tests::signer::V1_COMMON_PARAMETERS
        .iter()
        .map(|(name, _)| *name)
        .chain(["SignatureNonce", "Timestamp", "Signature"])
        .collect();
    test_side.sort_unstable();
    let mut runtime: Vec<&str> = dbs_api::signing::COMMON_PARAMETERS
        .iter()
        .copied()
        .filter(|name| *name != "SecurityToken") // sent only with STS credentials
        .collect();
    runtime.sort_unstable();
    assert_eq!(
        test_side, runtime,
        "tests/src/signer.rs V1_COMMON_PARAMETERS must name dbs_api::signing::COMMON_PARAMETERS"
    );
}

#[test]
fn every_root_type_of_the_runtime_is_reserved() {
    let lib = sources()
        .into_iter()
        .find(|(file, _)| file == "dbs-api/src/lib.rs")
        .expect("lib.rs");
    let mut names = Vec::new();
    fn leaves(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => leaves(&p.tree, out),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaves(t, out)),
            syn::UseTree::Glob(_) => {}
        }
    }
    for item in &lib.1.items {
        if let syn::Item::Use(u) = item
            && matches!(u.vis, syn::Visibility::Public(_))
        {
            leaves(&u.tree, &mut names);
        }
    }
    let types: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect();
    assert!(types.len() > 5, "{names:?}");
    let missing: Vec<&&String> = types
        .iter()
        .filter(|t| !reserved::RUNTIME_TYPES.contains(&t.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "dbs-api/src/lib.rs re-exports {missing:?} at the crate root: add them to RUNTIME_TYPES \
         in {RESERVED_RS}, or a generated type of the same name would be hidden"
    );
}

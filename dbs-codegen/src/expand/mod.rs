//! The emitter: checked model → `TokenStream`. It cannot fail and its output depends only on the
//! spec (spec order for arrays, name order for shapes and endpoints), so snapshots change only when
//! behaviour does. It relies on `lower` and `check`: every name it makes an `Ident` of is one.
//!
//! Generated code reaches the runtime through one path (`Options::runtime`, by default
//! `::dbs_api::__private`) and std through absolute paths.

mod client;
mod errors;
mod input;
mod output;
mod server;
mod service;
mod types;

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

use crate::model::{Condition, Operation, Requirement, Spec, Type};

/// How generated code refers to the runtime.
#[derive(Clone, Debug)]
pub struct Options {
    /// Path of the runtime support module, as Rust source: `::dbs_api::__private`.
    pub runtime: String,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            runtime: "::dbs_api::__private".to_owned(),
        }
    }
}

/// Generates the whole API for a checked spec.
pub fn expand(spec: &Spec, options: &Options) -> TokenStream {
    let mut all = TokenStream::new();
    expand_parts(spec, options, |part| all.extend(part));
    all
}

/// Generates the API of a checked spec part by part, in the order of [`expand`] (which is the
/// concatenation of the parts): the service-level items, then each operation's items, then the
/// registry and the server module. Each part is whole items, so a caller can format and write it
/// before the next is made: memory then grows with the largest part, not with the spec.
pub fn expand_parts(spec: &Spec, options: &Options, mut emit: impl FnMut(TokenStream)) {
    let cx = Cx::new(spec, options);
    emit(service::expand(&cx));
    emit(types::expand_shared(&cx));
    emit(errors::common(&cx));
    for op in &spec.operations {
        let types = types::expand(&cx, op);
        let input = input::expand(&cx, op);
        let output = output::expand(&cx, op);
        let errors = errors::operation(&cx, op);
        let client = client::expand(&cx, op);
        emit(quote! { #types #input #output #errors #client });
    }
    emit(client::registry(&cx));
    emit(server::expand(&cx));
}

/// What every emitter needs: the spec and the runtime path.
pub(crate) struct Cx<'a> {
    pub spec: &'a Spec,
    pub rt: TokenStream,
    pub rt_str: String,
}

impl<'a> Cx<'a> {
    fn new(spec: &'a Spec, options: &Options) -> Self {
        let rt = options
            .runtime
            .parse()
            .unwrap_or_else(|_| quote!(::dbs_api::__private));
        Self {
            spec,
            rt,
            rt_str: options.runtime.clone(),
        }
    }

    /// The Rust type of a value of `ty` (without `Option`). The recursion ends: a list's member is
    /// never a list and no shape contains itself (`lower` rejects both).
    pub fn rust_type(&self, op: &Operation, ty: Type) -> TokenStream {
        rust_type(&op.shapes, ty)
    }
}

/// The Rust type of a value of `ty` whose shapes are `shapes` (without `Option`).
pub(crate) fn rust_type(shapes: &[crate::model::Shape], ty: Type) -> TokenStream {
    {
        match ty {
            Type::String => quote!(::std::string::String),
            Type::Int32 => quote!(i32),
            Type::Int64 => quote!(i64),
            Type::Boolean => quote!(bool),
            Type::Shape(i) => {
                let shape = &shapes[i];
                match &shape.kind {
                    crate::model::ShapeKind::List { member, .. } => {
                        let member = rust_type(shapes, *member);
                        quote!(::std::vec::Vec<#member>)
                    }
                    _ => ident(&shape.name).into_token_stream(),
                }
            }
        }
    }
}

use quote::ToTokens;

pub(crate) fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// One `#[doc = " …"]` per line, so prettyplease prints `///` comments.
pub(crate) fn doc(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote!(#[doc = #line])
    });
    quote!(#(#lines)*)
}

/// A Rust string literal for docs and messages.
pub(crate) fn lit(text: &str) -> proc_macro2::Literal {
    proc_macro2::Literal::string(text)
}

/// Words for a requirement, as validators report it and docs print it.
pub(crate) fn requirement_words(spec: &Spec, op: &Operation, required: &Requirement) -> String {
    match required {
        Requirement::Always => "required".to_owned(),
        Requirement::Never => "optional".to_owned(),
        Requirement::When {
            condition: Condition::Not(inner),
            ..
        } => {
            format!(
                "required unless {}",
                condition_words(spec, op, inner, false)
            )
        }
        Requirement::When { condition, .. } => format!(
            "required when {}",
            condition_words(spec, op, condition, false)
        ),
    }
}

fn condition_words(spec: &Spec, op: &Operation, condition: &Condition, nested: bool) -> String {
    let list = |values: Vec<&str>| match values.as_slice() {
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    };
    let text = match condition {
        Condition::Param { param, values } => {
            let p = &op.params[*param];
            let names = match p.ty {
                Type::Shape(s) => match &op.shape(s).kind {
                    crate::model::ShapeKind::Enum { values: all, .. } => {
                        values.iter().map(|&v| all[v].value.as_str()).collect()
                    }
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            };
            return format!("{} is {}", p.wire, list(names));
        }
        Condition::Bool { param, value } => {
            return format!("{} is {value}", op.params[*param].wire);
        }
        Condition::Present { param } => {
            return format!("{} is set", op.params[*param].wire);
        }
        Condition::Context { fact, values } => {
            let f = &spec.service.context[*fact];
            return format!(
                "{} is {}",
                f.name,
                list(values.iter().map(|&v| f.values[v].value.as_str()).collect())
            );
        }
        Condition::All(all) => all
            .iter()
            .map(|c| condition_words(spec, op, c, true))
            .collect::<Vec<_>>()
            .join(" and "),
        Condition::Any(any) => any
            .iter()
            .map(|c| condition_words(spec, op, c, true))
            .collect::<Vec<_>>()
            .join(", or "),
        Condition::Not(inner) => {
            return format!("not ({})", condition_words(spec, op, inner, false));
        }
    };
    if nested { format!("({text})") } else { text }
}

/// Words for a prohibition, as validators report it and docs print it.
pub(crate) fn forbidden_words(spec: &Spec, op: &Operation, rule: &crate::model::Rule) -> String {
    match &rule.condition {
        Condition::Not(inner) => format!(
            "forbidden unless {}",
            condition_words(spec, op, inner, false)
        ),
        condition => format!(
            "forbidden when {}",
            condition_words(spec, op, condition, false)
        ),
    }
}

/// Human words for an integer unit.
pub(crate) fn unit_words(unit: &str) -> &'static str {
    match unit {
        "ms-since-epoch" => "milliseconds since the Unix epoch, UTC",
        "seconds" => "seconds",
        "port" => "a TCP port number",
        "bytes" => "bytes",
        "days" => "days",
        _ => "",
    }
}

//! The request side of an operation: input struct, builder, validator and wire (de)serialization.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, forbidden_words, ident, lit, requirement_words, unit_words};
use crate::model::{Condition, Operation, Param, Requirement, ShapeKind, Type};

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let input = ident(&format!("{}Input", op.name));
    let builder = ident(&format!("{}InputBuilder", op.name));
    let fields = op.params.iter().map(|p| {
        let (field, ty) = (ident(&p.rust), field_type(cx, op, p));
        let d = doc(&param_doc(cx, op, p));
        quote! { #d pub #field: ::std::option::Option<#ty>, }
    });
    let setters = op.params.iter().map(|p| setter(cx, op, p));
    let validate = validate(cx, op);
    let table = table(cx, op);
    let to_wire = to_wire(cx);
    let from_wire = from_wire(cx, op);
    let required: Vec<String> = op
        .params
        .iter()
        .filter(|p| !matches!(p.required, Requirement::Never))
        .map(|p| {
            format!(
                "- `{}`: {}",
                p.wire,
                requirement_words(cx.spec, op, &p.required)
            )
        })
        .collect();
    let input_doc = doc(&format!(
        "Input of `{name}`: {summary}\n\n\
         Build it with [`{name}Input::builder`], check it with [`{name}Input::validate`].\n\
         Fields are the request parameters; `None` is not sent.\n\n\
         Reference: <{url}>",
        name = op.name,
        summary = op.summary,
        url = op.documentation,
    ));
    let builder_doc = doc(&format!(
        "Builder of [`{name}Input`]. `build()` never fails: [`{name}Input::validate`] reports every\n\
         missing or invalid parameter at once (the client validates before sending).\n\n\
         Required parameters:{}",
        if required.is_empty() {
            " none.".to_owned()
        } else {
            format!("\n{}", required.join("\n"))
        },
        name = op.name,
    ));
    quote! {
        #input_doc
        #[derive(Clone, Debug, Default, PartialEq)]
        #[non_exhaustive]
        pub struct #input {
            #(#fields)*
        }

        #builder_doc
        #[derive(Clone, Debug, Default)]
        pub struct #builder {
            input: #input,
        }

        impl #builder {
            #(#setters)*

            /// The input, as set. Nothing is checked here: see `validate`.
            pub fn build(self) -> #input {
                self.input
            }
        }

        impl #input {
            /// A builder with nothing set.
            pub fn builder() -> #builder {
                #builder::default()
            }

            #table
            #validate
            #to_wire
            #from_wire
        }
    }
}

/// The field type inside `Option`: sensitive strings are wrapped so they never print.
fn field_type(cx: &Cx<'_>, op: &Operation, p: &Param) -> TokenStream {
    let rt = &cx.rt;
    let ty = cx.rust_type(op, p.ty);
    if p.sensitive {
        quote!(#rt::Sensitive<#ty>)
    } else {
        ty
    }
}

pub(crate) fn param_doc(cx: &Cx<'_>, op: &Operation, p: &Param) -> String {
    let mut text = format!("`{}`: {}", p.wire, p.description);
    match p.ty {
        Type::Int32 => text.push_str("\n\nType: int32."),
        Type::Int64 => text.push_str("\n\nType: int64."),
        Type::Shape(s) => match &op.shape(s).kind {
            ShapeKind::List { .. } => text.push_str("\n\nSent as one JSON-encoded array."),
            ShapeKind::Structure { .. } => text.push_str("\n\nSent as one JSON-encoded object."),
            ShapeKind::Enum { .. } => {
                text.push_str(&format!("\n\nOne of [`{}`].", op.shape(s).name))
            }
        },
        _ => {}
    }
    if let Some(unit) = &p.unit {
        text.push_str(&format!(" Unit: {}.", unit_words(unit)));
    }
    if let Some(bounds) = bound_words(p) {
        text.push_str(&format!(" Valid range: {bounds}."));
    }
    match &p.required {
        Requirement::Never => text.push_str("\n\nOptional."),
        Requirement::Always if p.ty == Type::String => {
            text.push_str("\n\nRequired; must not be empty.")
        }
        Requirement::Always => text.push_str("\n\nRequired."),
        Requirement::When {
            id,
            condition,
            note,
        } => {
            let rule = id
                .as_deref()
                .map(|id| format!(" (rule {id})"))
                .unwrap_or_default();
            text.push_str(&format!(
                "\n\n{}{rule}.",
                capitalize(&requirement_words(cx.spec, op, &p.required))
            ));
            if crate::model::Spec::uses_context(condition) {
                text.push_str(" The rule depends on a [`ValidationContext`] fact and is skipped while that fact is unknown.");
            }
            if let Some(note) = note {
                text.push_str(&format!("\n\n{note}"));
            }
        }
    }
    if let Some(rule) = &p.forbidden {
        let id = rule
            .id
            .as_deref()
            .map(|id| format!(" (rule {id})"))
            .unwrap_or_default();
        text.push_str(&format!(
            "\n\n{}{id}: must not be set then.",
            capitalize(&forbidden_words(cx.spec, op, rule))
        ));
        if let Some(note) = &rule.note {
            text.push_str(&format!("\n\n{note}"));
        }
    }
    if p.sensitive {
        text.push_str("\n\nSensitive: redacted in `Debug`, logs, errors and dry-run output.");
    }
    if let Some(example) = &p.example {
        text.push_str(&format!("\n\nExample: `{example}`."));
    }
    text
}

/// The bounds of an integer parameter in words: `1 to 65535`, `0 or more`, `100 or less`.
fn bound_words(p: &Param) -> Option<String> {
    match (p.bounds.min, p.bounds.max) {
        (Some(min), Some(max)) => Some(format!("{min} to {max}")),
        (Some(min), None) => Some(format!("{min} or more")),
        (None, Some(max)) => Some(format!("{max} or less")),
        (None, None) => None,
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// A builder setter taking `impl Into<_>` (lists take any iterator of members).
fn setter(cx: &Cx<'_>, op: &Operation, p: &Param) -> TokenStream {
    let rt = &cx.rt;
    let field = ident(&p.rust);
    let d = doc(&format!(
        "Sets `{}`. {}",
        p.wire,
        first_sentence(&p.description)
    ));
    let (arg, value) = match p.ty {
        Type::Shape(s) => match &op.shape(s).kind {
            ShapeKind::List { member, .. } => {
                let member = cx.rust_type(op, *member);
                (
                    quote!(impl ::std::iter::IntoIterator<Item = #member>),
                    quote!(value.into_iter().collect()),
                )
            }
            _ => {
                let ty = cx.rust_type(op, p.ty);
                (quote!(impl ::std::convert::Into<#ty>), quote!(value.into()))
            }
        },
        _ => {
            let ty = cx.rust_type(op, p.ty);
            (quote!(impl ::std::convert::Into<#ty>), quote!(value.into()))
        }
    };
    let value = if p.sensitive {
        quote!(#rt::Sensitive::new(#value))
    } else {
        value
    };
    quote! {
        #d
        pub fn #field(mut self, value: #arg) -> Self {
            self.input.#field = ::std::option::Option::Some(#value);
            self
        }
    }
}

pub(crate) fn first_sentence(text: &str) -> &str {
    match text.find(". ") {
        Some(end) => &text[..=end],
        None => text,
    }
}

/// The operation's parameter table: one [`ParamSpec`] row per parameter, in spec order, read by
/// the runtime's shared validator, serializer and reader. Conditional requirements point at
/// their condition by number (see `conditions`).
fn table(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let mut when = 0usize;
    // Prohibitions' conditions follow the requirements' (see `validate`).
    let mut forbid = op
        .params
        .iter()
        .filter(|p| matches!(p.required, Requirement::When { .. }))
        .count();
    let rows = op.params.iter().map(|p| {
        let wire = lit(&p.wire);
        let row = match p.ty {
            Type::String => quote!(#rt::ParamSpec::string(#wire)),
            Type::Int32 => quote!(#rt::ParamSpec::int32(#wire)),
            Type::Int64 => quote!(#rt::ParamSpec::int64(#wire)),
            Type::Boolean => quote!(#rt::ParamSpec::boolean(#wire)),
            Type::Shape(s) => match &op.shape(s).kind {
                ShapeKind::Enum { .. } => {
                    let ty = ident(&op.shape(s).name);
                    quote!(#rt::ParamSpec::one_of(#wire, #ty::VALUES))
                }
                _ => quote!(#rt::ParamSpec::json(#wire)),
            },
        };
        let required = match &p.required {
            Requirement::Never => TokenStream::new(),
            Requirement::Always => quote!(.required()),
            Requirement::When { id, .. } => {
                let words = lit(&requirement_words(cx.spec, op, &p.required));
                let id = id.as_deref().map(|id| quote!(.rule_id(#id)));
                let n = proc_macro2::Literal::usize_unsuffixed(when);
                when += 1;
                quote!(.when(#n, #words) #id)
            }
        };
        let min = p
            .bounds
            .min
            .map(proc_macro2::Literal::i64_unsuffixed)
            .map(|min| quote!(.min(#min)));
        let max = p
            .bounds
            .max
            .map(proc_macro2::Literal::i64_unsuffixed)
            .map(|max| quote!(.max(#max)));
        // Every unit, bounded or not: the registry's `ParamMeta::unit` reads it from here.
        let unit = p
            .unit
            .as_deref()
            .map(unit_words)
            .map(|words| quote!(.unit(#words)));
        let min_items = match p.ty {
            Type::Shape(s) => match &op.shape(s).kind {
                ShapeKind::List {
                    min_items: Some(min),
                    ..
                } => {
                    let min = proc_macro2::Literal::u64_unsuffixed(*min);
                    Some(quote!(.min_items(#min)))
                }
                _ => None,
            },
            _ => None,
        };
        let sensitive = p.sensitive.then(|| quote!(.sensitive()));
        let forbidden = p.forbidden.as_ref().map(|rule| {
            let words = lit(&forbidden_words(cx.spec, op, rule));
            let id = rule.id.as_deref().map(|id| quote!(.forbidden_id(#id)));
            let n = proc_macro2::Literal::usize_unsuffixed(forbid);
            forbid += 1;
            quote!(.forbidden(#n, #words) #id)
        });
        quote!(#row #required #min #max #unit #min_items #sensitive #forbidden)
    });
    let rows: Vec<TokenStream> = rows.collect();
    let fields: Vec<_> = op.params.iter().map(|p| ident(&p.rust)).collect();
    let n = proc_macro2::Literal::usize_unsuffixed(op.params.len());
    quote! {
        /// The parameters' facts from the spec, in spec order: wire name, kind, requirement,
        /// bounds and sensitivity. `validate`, `to_wire_params` and `from_wire_params` read it.
        pub const PARAMS: &'static [#rt::ParamSpec] = &[#(#rows),*];

        /// The fields in `PARAMS` order.
        fn slots(&self) -> [&dyn #rt::Slot; #n] {
            [#(&self.#fields),*]
        }

        /// The fields in `PARAMS` order, to fill from the wire.
        fn slots_mut(&mut self) -> [&mut dyn #rt::Slot; #n] {
            [#(&mut self.#fields),*]
        }
    }
}

/// `validate`: every rule of the spec, all violations collected. The table carries the rules;
/// the conditions of conditional requirements stay code, as they read typed fields and the
/// validation context (a condition tree as data would need its own interpreter and a way to
/// reach each context fact by number, for no fewer lines).
fn validate(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let url = lit(&op.documentation);
    // Requirements' conditions in table order, then prohibitions'.
    let conditions: Vec<TokenStream> = op
        .params
        .iter()
        .filter_map(|p| match &p.required {
            Requirement::When { condition, .. } => Some(condition_expr(cx, op, condition)),
            _ => None,
        })
        .chain(
            op.params
                .iter()
                .filter_map(|p| p.forbidden.as_ref())
                .map(|rule| condition_expr(cx, op, &rule.condition)),
        )
        .collect();
    let k = proc_macro2::Literal::usize_unsuffixed(conditions.len());
    let skipped: Vec<String> = op
        .params
        .iter()
        .filter_map(|p| match &p.required {
            Requirement::When { id, condition, .. }
                if crate::model::Spec::uses_context(condition) =>
            {
                Some(format!(
                    "`{}`{}",
                    p.wire,
                    id.as_deref()
                        .map(|id| format!(" ({id})"))
                        .unwrap_or_default()
                ))
            }
            _ => None,
        })
        .collect();
    let skipped = if skipped.is_empty() {
        String::new()
    } else {
        format!(
            "\n\nRules that depend on a context fact ({}) are checked only when `context` knows the\n\
             fact; with `ValidationContext::default()` they are skipped, and the service enforces them.",
            skipped.join(", ")
        )
    };
    let forbidden = if op.params.iter().any(|p| p.forbidden.is_some()) {
        " Parameters that must be absent\nunder a condition are reported when set."
    } else {
        ""
    };
    let validate_doc = doc(&format!(
        "Checks every rule of the spec: required and conditionally required parameters, non-empty\n\
         required strings, known enum values, ranges and list contents.{forbidden}{skipped}\n\n\
         # Errors\n\n\
         A [`ValidationError`]({rt_path}::ValidationError) listing every violation, each naming the wire\n\
         parameter, the rule in words and the reference page.",
        rt_path = "crate"
    ));
    quote! {
        #validate_doc
        pub fn validate(&self, context: &crate::ValidationContext) -> ::std::result::Result<(), #rt::ValidationError> {
            let _ = context;
            let conditions: [::std::option::Option<bool>; #k] = [#(#conditions),*];
            #rt::validate(#url, Self::PARAMS, &self.slots(), &conditions)
        }
    }
}

/// A condition as an `Option<bool>` expression: `None` when it depends on something unknown.
fn condition_expr(cx: &Cx<'_>, op: &Operation, condition: &Condition) -> TokenStream {
    let rt = &cx.rt;
    match condition {
        Condition::Param { param, values } => {
            let p = &op.params[*param];
            let field = ident(&p.rust);
            let Type::Shape(s) = p.ty else {
                return quote!(::std::option::Option::None);
            };
            let ShapeKind::Enum { values: all, .. } = &op.shape(s).kind else {
                return quote!(::std::option::Option::None);
            };
            // Compared by wire value without regard to case, so `Unknown("agent")` built by hand
            // counts as `Agent`, as the service would read it.
            let wires = values.iter().map(|&v| lit(&all[v].value));
            quote!(#rt::is(&self.#field, &[#(#wires),*]))
        }
        Condition::Bool { param, value } => {
            let field = ident(&op.params[*param].rust);
            quote!(self.#field.map(|set| set == #value))
        }
        Condition::Present { param } => {
            let field = ident(&op.params[*param].rust);
            quote!(#rt::present(&self.#field))
        }
        Condition::Context { fact, values } => {
            let f = &cx.spec.service.context[*fact];
            let field = ident(&f.rust_name);
            let wires = values.iter().map(|&v| lit(&f.values[v].value));
            quote!(#rt::is(&context.#field, &[#(#wires),*]))
        }
        Condition::All(all) => {
            let inner = all.iter().map(|c| condition_expr(cx, op, c));
            quote!(#rt::all_of([#(#inner),*]))
        }
        Condition::Any(any) => {
            let inner = any.iter().map(|c| condition_expr(cx, op, c));
            quote!(#rt::any_of([#(#inner),*]))
        }
        Condition::Not(inner) => {
            let inner = condition_expr(cx, op, inner);
            quote!((#inner).map(|holds| !holds))
        }
    }
}

/// `to_wire_params`: present parameters in spec order, values as the wire wants them.
fn to_wire(cx: &Cx<'_>) -> TokenStream {
    let rt = &cx.rt;
    quote! {
        /// The parameters to send, in spec order: strings as given, integers in decimal, booleans
        /// as `true`/`false`, enums as their wire value, JSON parameters serialized once.
        pub fn to_wire_params(&self) -> ::std::vec::Vec<#rt::WireParam> {
            #rt::to_wire_params(Self::PARAMS, &self.slots())
        }
    }
}

/// `from_wire_params`: the server side (emulator, CLI) reads wire pairs back into the input.
fn from_wire(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let url = lit(&op.documentation);
    quote! {
        /// Reads wire parameters (name, value) back into an input, as a server does. Names that are
        /// not parameters of this operation (common parameters such as `Action`) are ignored; a
        /// later value replaces an earlier one.
        ///
        /// # Errors
        ///
        /// A [`ValidationError`](crate::ValidationError) for every value that does not parse: an
        /// integer or boolean that is not one, or JSON that does not match the shape.
        pub fn from_wire_params<'a>(
            params: impl ::std::iter::IntoIterator<Item = (&'a str, &'a str)>,
        ) -> ::std::result::Result<Self, #rt::ValidationError> {
            let (input, parsed) = Self::from_wire_params_partial(params);
            parsed.map(|()| input)
        }

        /// Like `from_wire_params`, but also returns what did parse, so a server can report
        /// parse errors and rule violations together.
        #[doc(hidden)]
        pub fn from_wire_params_partial<'a>(
            params: impl ::std::iter::IntoIterator<Item = (&'a str, &'a str)>,
        ) -> (Self, ::std::result::Result<(), #rt::ValidationError>) {
            let mut input = Self::default();
            let parsed = #rt::read_wire_params(#url, Self::PARAMS, &mut input.slots_mut(), params);
            (input, parsed)
        }
    }
}

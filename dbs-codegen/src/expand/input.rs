//! The request side of an operation: input struct, builder, validator and wire (de)serialization.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit, requirement_words, unit_words};
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
    let to_wire = to_wire(cx, op);
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

/// `validate`: every rule of the spec, all violations collected.
fn validate(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let url = lit(&op.documentation);
    let checks = op.params.iter().map(|p| {
        let field = ident(&p.rust);
        let wire = lit(&p.wire);
        let enum_shape = match p.ty {
            Type::Shape(s) if matches!(op.shape(s).kind, ShapeKind::Enum { .. }) => Some(s),
            _ => None,
        };
        let presence = match (p.ty, p.sensitive) {
            (Type::String, true) => {
                quote!(#rt::Presence::of_str(self.#field.as_ref().map(|v| v.expose().as_str())))
            }
            (Type::String, false) => quote!(#rt::Presence::of_str(self.#field.as_deref())),
            // A blank enum value is not a value the spec lists: `one_of` below reports it, with
            // the requirement when it applies, so the parameter is reported once.
            _ => quote!(#rt::Presence::of(self.#field.is_some())),
        };
        let none = quote!(::std::option::Option::None);
        let words = lit(&requirement_words(cx.spec, op, &p.required));
        let id = match &p.required {
            Requirement::When { id: Some(id), .. } => quote!(::std::option::Option::Some(#id)),
            _ => none.clone(),
        };
        let applies = match &p.required {
            Requirement::Never => None,
            Requirement::Always => Some(quote!(::std::option::Option::Some(true))),
            Requirement::When { condition, .. } => Some(condition_expr(cx, op, condition)),
        };
        let enum_check = enum_shape.map(|s| {
            let ty = ident(&op.shape(s).name);
            let required = match applies {
                Some(_) => quote! {
                    (applies == ::std::option::Option::Some(true)).then_some((#words, #id))
                },
                None => none.clone(),
            };
            // A value the spec does not list is a typo far more often than a new server value;
            // sending it would cost a round trip to learn the same.
            quote! {
                if let ::std::option::Option::Some(#ty::Unknown(value)) = &self.#field {
                    violations.one_of(#wire, value, #ty::VALUES, #required);
                }
            }
        });
        let range = p.bounds.is_some().then(|| {
            let bound = |b: Option<i64>| match b {
                Some(b) => quote!(::std::option::Option::Some(#b)),
                None => none.clone(),
            };
            let (min, max) = (bound(p.bounds.min), bound(p.bounds.max));
            let unit = match p.unit.as_deref().map(unit_words) {
                Some(words) => quote!(::std::option::Option::Some(#words)),
                None => none.clone(),
            };
            quote! {
                if let ::std::option::Option::Some(value) = self.#field {
                    violations.range(#wire, i64::from(value), #min, #max, #unit);
                }
            }
        });
        let shape = match p.ty {
            Type::Shape(s) => shape_checks(cx, op, s, &field, &wire),
            _ => TokenStream::new(),
        };
        let require = |applies: TokenStream| {
            quote! { violations.require(#wire, #presence, #applies, #id, #words); }
        };
        let value_checks = match (applies, enum_check) {
            // The enum check needs to know whether the requirement applies: computed once.
            (Some(applies), Some(enum_check)) => {
                let requirement = require(quote!(applies));
                quote! {
                    {
                        let applies: ::std::option::Option<bool> = #applies;
                        #requirement
                        #enum_check
                    }
                }
            }
            (Some(applies), None) => require(applies),
            (None, enum_check) => quote!(#enum_check),
        };
        quote! { #value_checks #range #shape }
    });
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
    let validate_doc = doc(&format!(
        "Checks every rule of the spec: required and conditionally required parameters, non-empty\n\
         required strings, known enum values, ranges and list contents.{skipped}\n\n\
         # Errors\n\n\
         A [`ValidationError`]({rt_path}::ValidationError) listing every violation, each naming the wire\n\
         parameter, the rule in words and the reference page.",
        rt_path = "crate"
    ));
    let _ = rt;
    quote! {
        #validate_doc
        pub fn validate(&self, context: &crate::ValidationContext) -> ::std::result::Result<(), #rt::ValidationError> {
            let _ = context;
            let mut violations = #rt::Violations::new(#url);
            #(#checks)*
            violations.finish()
        }
    }
}

/// Checks that belong to the parameter's shape: list length and required structure members.
fn shape_checks(
    cx: &Cx<'_>,
    op: &Operation,
    shape: usize,
    field: &proc_macro2::Ident,
    wire: &proc_macro2::Literal,
) -> TokenStream {
    let member_checks =
        |item: TokenStream, index: TokenStream, members: &[crate::model::Field]| {
            let checks = members.iter().filter(|m| m.required && m.ty == Type::String).map(|m| {
            let (member, member_wire) = (ident(&m.rust), lit(&m.wire));
            quote!(violations.member_not_empty(#wire, #index, #member_wire, &#item.#member);)
        });
            quote!(#(#checks)*)
        };
    let _ = cx;
    match &op.shape(shape).kind {
        ShapeKind::List { member, min_items } => {
            let min = min_items.map(|min| quote!(violations.min_items(#wire, list.len(), #min);));
            let members = match member {
                Type::Shape(s) => match &op.shape(*s).kind {
                    ShapeKind::Structure { members } => {
                        let checks = member_checks(
                            quote!(item),
                            quote!(::std::option::Option::Some(index)),
                            members,
                        );
                        quote! { for (index, item) in list.iter().enumerate() { #checks } }
                    }
                    // Each member is checked like an enum parameter, named by its index.
                    ShapeKind::Enum { .. } => {
                        let ty = ident(&op.shape(*s).name);
                        quote! {
                            for (index, item) in list.iter().enumerate() {
                                if let #ty::Unknown(value) = item {
                                    violations.one_of(::std::format!("{}[{}]", #wire, index), value, #ty::VALUES, ::std::option::Option::None);
                                }
                            }
                        }
                    }
                    ShapeKind::List { .. } => TokenStream::new(),
                },
                _ => TokenStream::new(),
            };
            quote! {
                if let ::std::option::Option::Some(list) = &self.#field {
                    #min
                    #members
                }
            }
        }
        ShapeKind::Structure { members } => {
            let checks = member_checks(quote!(item), quote!(::std::option::Option::None), members);
            quote! { if let ::std::option::Option::Some(item) = &self.#field { #checks } }
        }
        // Checked with the requirement, in `validate`.
        ShapeKind::Enum { .. } => TokenStream::new(),
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
            quote!(self.#field.as_ref().map(|value| #rt::value_in(value.as_str(), &[#(#wires),*])))
        }
        Condition::Context { fact, values } => {
            let f = &cx.spec.service.context[*fact];
            let field = ident(&f.rust_name);
            let wires = values.iter().map(|&v| lit(&f.values[v].value));
            quote!(context.#field.as_ref().map(|value| #rt::value_in(value.as_str(), &[#(#wires),*])))
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
fn to_wire(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let pushes = op.params.iter().map(|p| {
        let field = ident(&p.rust);
        let wire = lit(&p.wire);
        let value = match p.ty {
            Type::String if p.sensitive => quote!(value.expose().clone()),
            Type::String => quote!(value.clone()),
            Type::Int32 | Type::Int64 | Type::Boolean => quote!(value.to_string()),
            Type::Shape(s) => match op.shape(s).kind {
                ShapeKind::Enum { .. } => quote!(value.as_str().to_owned()),
                _ => quote!(#rt::to_json(value)),
            },
        };
        let sensitive = p.sensitive;
        quote! {
            if let ::std::option::Option::Some(value) = &self.#field {
                params.push(#rt::WireParam { name: #wire, value: #value, sensitive: #sensitive });
            }
        }
    });
    quote! {
        /// The parameters to send, in spec order: strings as given, integers in decimal, booleans
        /// as `true`/`false`, enums as their wire value, JSON parameters serialized once.
        pub fn to_wire_params(&self) -> ::std::vec::Vec<#rt::WireParam> {
            let mut params = ::std::vec::Vec::new();
            #(#pushes)*
            params
        }
    }
}

/// `from_wire_params`: the server side (emulator, CLI) reads wire pairs back into the input.
fn from_wire(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let rt = &cx.rt;
    let arms = op.params.iter().map(|p| {
        let field = ident(&p.rust);
        let wire = lit(&p.wire);
        let value = match p.ty {
            Type::String if p.sensitive => {
                quote!(::std::option::Option::Some(#rt::Sensitive::new(value.to_owned())))
            }
            Type::String => quote!(::std::option::Option::Some(value.to_owned())),
            Type::Int32 => quote!(violations.parse_int32(#wire, value)),
            Type::Int64 => quote!(violations.parse_int64(#wire, value)),
            Type::Boolean => quote!(violations.parse_bool(#wire, value)),
            Type::Shape(s) => match op.shape(s).kind {
                ShapeKind::Enum { .. } => quote!(::std::option::Option::Some(
                    ::std::convert::From::from(value)
                )),
                _ => quote!(violations.parse_json(#wire, value)),
            },
        };
        quote!(#wire => input.#field = #value,)
    });
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
            let mut violations = #rt::Violations::new(#url);
            for (name, value) in params {
                match name {
                    #(#arms)*
                    _ => {}
                }
            }
            (input, violations.finish())
        }
    }
}

//! Named shapes: open enums and JSON structures.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit};
use crate::model::{Field, Operation, ShapeKind};

/// One enum variant to emit.
pub(crate) struct Variant<'a> {
    pub name: &'a str,
    pub wire: &'a str,
    pub doc: &'a str,
}

pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let shapes = op.shapes.iter().map(|shape| match &shape.kind {
        ShapeKind::Enum { values, default } => {
            let variants: Vec<Variant<'_>> = values
                .iter()
                .map(|v| Variant {
                    name: &v.variant,
                    wire: &v.value,
                    doc: &v.description,
                })
                .collect();
            let default = default.map(|d| values[d].variant.as_str());
            let text = format!(
                "{}\n\nUsed by [`{}`]({}Input).",
                shape.description, op.name, op.name
            );
            let ty = open_enum(cx, &shape.name, &text, &variants, true, default);
            let wire = wire_enum(cx, &shape.name);
            quote!(#ty #wire)
        }
        ShapeKind::Structure { members } => {
            structure(cx, op, &shape.name, &shape.description, members)
        }
        // Lists are plain `Vec`s; their rules live in the validator.
        ShapeKind::List { .. } => TokenStream::new(),
    });
    quote!(#(#shapes)*)
}

/// An enum that keeps values it does not know in `Unknown`, so a new server value never breaks a client.
pub(crate) fn open_enum(
    cx: &Cx<'_>,
    name: &str,
    text: &str,
    variants: &[Variant<'_>],
    any_case: bool,
    default: Option<&str>,
) -> TokenStream {
    let rt = &cx.rt;
    let ty = ident(name);
    let names: Vec<_> = variants.iter().map(|v| ident(v.name)).collect();
    let wires: Vec<_> = variants.iter().map(|v| lit(v.wire)).collect();
    let docs = variants
        .iter()
        .map(|v| doc(&format!("`{}`: {}", v.wire, v.doc)));
    let matching = if any_case {
        "Known values match without regard to ASCII case (reference pages spell some values in lower case);\n\
         anything else is kept in `Unknown`."
    } else {
        "Known values match exactly; anything else is kept in `Unknown`."
    };
    let compare = if any_case {
        quote!(value.eq_ignore_ascii_case(wire))
    } else {
        quote!(value == *wire)
    };
    let type_doc = doc(&format!(
        "{text}\n\nValues: {}.",
        variants
            .iter()
            .map(|v| format!("`{}`", v.wire))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let from_doc = doc(&format!("Parses a wire value. {matching}"));
    let default_impl = default.map(|d| {
        let d = ident(d);
        quote! {
            impl ::std::default::Default for #ty {
                /// The value the service assumes when none is sent.
                fn default() -> Self {
                    Self::#d
                }
            }
        }
    });
    quote! {
        #type_doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ty {
            #(#docs #names,)*
            /// A value this version of the SDK does not know, kept exactly as given.
            Unknown(::std::string::String),
        }

        impl #ty {
            /// Every value the spec knows, in spec order.
            pub const VALUES: &'static [&'static str] = &[#(#wires),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#names => #wires,)*
                    Self::Unknown(value) => value,
                }
            }

            #from_doc
            pub fn from_wire(value: &str) -> Self {
                const KNOWN: &[(&str, fn() -> #ty)] = &[#((#wires, || #ty::#names)),*];
                match KNOWN.iter().find(|(wire, _)| #compare) {
                    ::std::option::Option::Some((_, make)) => make(),
                    ::std::option::Option::None => Self::Unknown(value.to_owned()),
                }
            }
        }

        #default_impl

        impl ::std::convert::From<&str> for #ty {
            fn from(value: &str) -> Self {
                Self::from_wire(value)
            }
        }

        impl ::std::convert::From<::std::string::String> for #ty {
            fn from(value: ::std::string::String) -> Self {
                Self::from_wire(&value)
            }
        }

        impl ::std::str::FromStr for #ty {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                ::std::result::Result::Ok(Self::from_wire(value))
            }
        }

        impl ::std::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::AsRef<str> for #ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }

        impl #rt::serde::Serialize for #ty {
            fn serialize<S: #rt::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> #rt::serde::Deserialize<'de> for #ty {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as #rt::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from_wire(&value))
            }
        }
    }
}

/// How the runtime's parameter table reads a request enum: its known values and `Unknown`.
fn wire_enum(cx: &Cx<'_>, name: &str) -> TokenStream {
    let rt = &cx.rt;
    let ty = ident(name);
    quote! {
        impl #rt::WireEnum for #ty {
            const KNOWN: &'static [&'static str] = Self::VALUES;
            fn wire(&self) -> &str {
                self.as_str()
            }
            fn unlisted(&self) -> ::std::option::Option<&str> {
                match self {
                    Self::Unknown(value) => ::std::option::Option::Some(value),
                    _ => ::std::option::Option::None,
                }
            }
            fn parse(text: &str) -> Self {
                Self::from_wire(text)
            }
        }
    }
}

/// A JSON object with named members; required members are plain values, the rest `Option`s.
fn structure(
    cx: &Cx<'_>,
    op: &Operation,
    name: &str,
    text: &str,
    members: &[Field],
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(name);
    let fields = members.iter().map(|m| {
        let field = ident(&m.rust);
        let inner = cx.rust_type(op, m.ty);
        let wire = lit(&m.wire);
        let d = doc(&member_doc(m));
        if m.required {
            quote! { #d #[serde(rename = #wire)] pub #field: #inner, }
        } else {
            quote! {
                #d
                #[serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none")]
                pub #field: ::std::option::Option<#inner>,
            }
        }
    });
    let required: Vec<&Field> = members.iter().filter(|m| m.required).collect();
    let args = required.iter().map(|m| {
        let (field, inner) = (ident(&m.rust), cx.rust_type(op, m.ty));
        quote!(#field: impl ::std::convert::Into<#inner>)
    });
    let inits = required.iter().map(|m| {
        let field = ident(&m.rust);
        quote!(#field: #field.into())
    });
    let new_doc = doc(&format!(
        "Creates a `{name}` with its required members ({}).",
        required
            .iter()
            .map(|m| format!("`{}`", m.wire))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let setters = members.iter().filter(|m| !m.required).map(|m| {
        let (field, inner) = (ident(&m.rust), cx.rust_type(op, m.ty));
        let d = doc(&format!("Sets `{}`: {}", m.wire, m.description));
        quote! {
            #d
            pub fn #field(mut self, value: impl ::std::convert::Into<#inner>) -> Self {
                self.#field = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    // Required string members must not be blank; `lower` makes every required member a value.
    let member_checks = members
        .iter()
        .filter(|m| m.required && m.ty == crate::model::Type::String)
        .map(|m| {
            let (member, wire) = (ident(&m.rust), lit(&m.wire));
            quote!(violations.member_not_empty(parameter, index, #wire, &self.#member);)
        })
        .collect::<Vec<_>>();
    let unused = member_checks
        .is_empty()
        .then(|| quote!(let _ = (parameter, index, violations);));
    let direct = op
        .params
        .iter()
        .any(|p| matches!(p.ty, crate::model::Type::Shape(s) if op.shape(s).name == name));
    let value_impl = direct.then(|| structure_value(cx, name));
    let type_doc = doc(&format!(
        "{text}\n\nSerialized as a JSON object with the wire member names; reading one rejects unknown members."
    ));
    // Structures are request-side only (response fields are scalars), read back from JSON by the
    // emulator and the CLI: a misspelt member (`NewDbName` for `NewDBName`) must be an error, not
    // silently dropped. If a structure is ever used in a response, it must not deny unknown
    // members there: the service may add members at any time.
    quote! {
        #type_doc
        #[derive(Clone, Debug, Default, PartialEq, Eq, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate, deny_unknown_fields)]
        #[non_exhaustive]
        pub struct #ty {
            #(#fields)*
        }

        impl #rt::Member for #ty {
            fn check_member(&self, parameter: &'static str, index: ::std::option::Option<usize>, violations: &mut #rt::Violations) {
                #unused
                #(#member_checks)*
            }
        }

        #value_impl

        impl #ty {
            #new_doc
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits,)* ..::std::default::Default::default() }
            }
            #(#setters)*
        }
    }
}

/// Only a structure that is itself a parameter (not a list member) is a table `Value`.
fn structure_value(cx: &Cx<'_>, name: &str) -> TokenStream {
    let rt = &cx.rt;
    let ty = ident(name);
    quote! {
        impl #rt::Value for #ty {
            fn to_wire(&self) -> ::std::string::String {
                #rt::to_json(self)
            }
            fn from_wire(parameter: &'static str, text: &str, violations: &mut #rt::Violations) -> ::std::option::Option<Self> {
                violations.parse_json(parameter, text)
            }
            fn check(&self, spec: &#rt::ParamSpec, violations: &mut #rt::Violations) {
                #rt::Member::check_member(self, spec.wire, ::std::option::Option::None, violations);
            }
        }
    }
}

fn member_doc(m: &Field) -> String {
    let mut text = format!("`{}`: {}", m.wire, m.description);
    if m.required {
        text.push_str("\n\nRequired and must not be empty.");
    }
    if let Some(example) = &m.example {
        text.push_str(&format!("\n\nExample: `{example}`."));
    }
    text
}

//! Named shapes: open enums and JSON structures.

use proc_macro2::TokenStream;
use quote::quote;

use super::{Cx, doc, ident, lit, rust_type, unit_words};
use crate::model::{Field, Operation, Shape, ShapeKind, Type, reached};

/// One enum variant to emit.
pub(crate) struct Variant<'a> {
    pub name: &'a str,
    pub wire: &'a str,
    pub doc: &'a str,
}

/// The operation's own shapes (the service's are emitted once, by `expand_shared`).
pub(crate) fn expand(cx: &Cx<'_>, op: &Operation) -> TokenStream {
    let read = reached(&op.shapes, op.response.iter().map(|f| f.ty));
    let direct = reached_directly(&op.shapes, op.params.iter().map(|p| p.ty));
    let used_by = format!("Used by [`{}`]({}Input).", op.name, op.name);
    emit(cx, &op.shapes, &read, &direct, &used_by, false)
}

/// The service's shapes, once: every operation names them by the same index.
pub(crate) fn expand_shared(cx: &Cx<'_>) -> TokenStream {
    let shapes = &cx.spec.service.shapes;
    let ops = &cx.spec.operations;
    let read = reached(
        shapes,
        ops.iter()
            .flat_map(|op| op.response.iter().map(|f| f.ty))
            .filter(|ty| matches!(ty, Type::Shape(i) if *i < shapes.len())),
    );
    let direct = reached_directly(
        shapes,
        ops.iter()
            .flat_map(|op| op.params.iter().map(|p| p.ty))
            .filter(|ty| matches!(ty, Type::Shape(i) if *i < shapes.len())),
    );
    emit(
        cx,
        shapes,
        &read,
        &direct,
        "Shared by the operations of the service.",
        true,
    )
}

/// Which of `shapes` are themselves the type of one of `from` (a parameter's own type).
fn reached_directly(shapes: &[Shape], from: impl Iterator<Item = Type>) -> Vec<bool> {
    let mut seen = vec![false; shapes.len()];
    for ty in from {
        if let Type::Shape(i) = ty {
            seen[i] = true;
        }
    }
    seen
}

fn emit(
    cx: &Cx<'_>,
    all: &[Shape],
    read: &[bool],
    direct: &[bool],
    used_by: &str,
    shared: bool,
) -> TokenStream {
    let shapes = all
        .iter()
        .enumerate()
        .filter(|(_, shape)| shape.shared == shared)
        .map(|(i, shape)| match &shape.kind {
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
                let text = format!("{}\n\n{used_by}", shape.description);
                let ty = open_enum(cx, &shape.name, &text, &variants, true, default);
                let wire = wire_enum(cx, &shape.name);
                quote!(#ty #wire)
            }
            ShapeKind::Structure { members } if read[i] => {
                response_structure(cx, all, &shape.name, &shape.description, members)
            }
            ShapeKind::Structure { members } => {
                structure(cx, all, &shape.name, &shape.description, members, direct[i])
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
    shapes: &[Shape],
    name: &str,
    text: &str,
    members: &[Field],
    direct: bool,
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(name);
    // Each member's doc and its field, apart: the reading copy of the fields needs no docs.
    let parts: Vec<(TokenStream, TokenStream)> = members
        .iter()
        .map(|m| {
            let field = ident(&m.rust);
            let inner = rust_type(shapes, m.ty);
            let wire = lit(&m.wire);
            let d = doc(&member_doc(shapes, m, true));
            let body = if m.required {
                quote! { #[serde(rename = #wire)] pub #field: #inner, }
            } else {
                quote! {
                    #[serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none")]
                    pub #field: ::std::option::Option<#inner>,
                }
            };
            (d, body)
        })
        .collect();
    let fields = parts.iter().map(|(d, body)| quote!(#d #body));
    let required: Vec<&Field> = members.iter().filter(|m| m.required).collect();
    let args = required.iter().map(|m| {
        let (field, inner) = (ident(&m.rust), rust_type(shapes, m.ty));
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
        let (field, inner) = (ident(&m.rust), rust_type(shapes, m.ty));
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
    // Shapes inside are checked at any depth, each named by its path.
    let member_checks = members
        .iter()
        .filter_map(|m| {
            let (member, wire) = (ident(&m.rust), lit(&m.wire));
            match m.ty {
                Type::String if m.required => {
                    Some(quote!(violations.member_not_empty(path, #wire, &self.#member);))
                }
                Type::Shape(_) => Some(quote! {
                    #rt::Member::check_member(&self.#member, &::std::format!("{}.{}", path, #wire), violations);
                }),
                // An integer member's unit implies bounds, as a parameter's does.
                Type::Int32 | Type::Int64 => {
                    let unit = m.unit.as_deref()?;
                    let bounds = crate::format::UNITS.iter().find(|u| u.name == unit)?.bounds;
                    let bound = |b: Option<i64>| match b {
                        Some(b) => {
                            let b = proc_macro2::Literal::i64_unsuffixed(b);
                            quote!(::std::option::Option::Some(#b))
                        }
                        None => quote!(::std::option::Option::None),
                    };
                    let (min, max) = (bound(bounds.min), bound(bounds.max));
                    let words = unit_words(unit);
                    let value = if m.required {
                        quote!(::std::option::Option::Some(self.#member))
                    } else {
                        quote!(self.#member)
                    };
                    Some(quote! {
                        if let ::std::option::Option::Some(value) = #value {
                            violations.range(::std::format!("{}.{}", path, #wire), i64::from(value), #min, #max, ::std::option::Option::Some(#words));
                        }
                    })
                }
                _ => None,
            }
        })
        .collect::<Vec<_>>();
    let unused = member_checks
        .is_empty()
        .then(|| quote!(let _ = (path, violations);));
    let value_impl = direct.then(|| structure_value(cx, name));
    let object_only = object_only(cx, name, &parts, members.iter().map(|m| &m.rust), true);
    let type_doc = doc(&format!(
        "{text}\n\nSerialized as a JSON object with the wire member names; reading one rejects unknown members."
    ));
    // Request structures are read back from JSON by the emulator and the CLI: a misspelt member
    // (`NewDbName` for `NewDBName`) must be an error, not silently dropped. Structures read from
    // a response are `response_structure`s: the service may add members at any time.
    quote! {
        #type_doc
        #[derive(Clone, Debug, Default, PartialEq, Eq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #ty {
            #(#fields)*
        }

        #object_only

        impl #rt::Member for #ty {
            fn check_member(&self, path: &str, violations: &mut #rt::Violations) {
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
                #rt::Member::check_member(self, spec.wire, violations);
            }
        }
    }
}

/// A structure read from a response: every member optional and read leniently (numbers and
/// booleans sent as strings, int64 exact), unknown members ignored; written back with the wire
/// names (the emulator answers with it).
fn response_structure(
    cx: &Cx<'_>,
    shapes: &[Shape],
    name: &str,
    text: &str,
    members: &[Field],
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(name);
    let parts: Vec<(TokenStream, TokenStream)> = members
        .iter()
        .map(|m| response_field(cx, shapes, m))
        .collect();
    let fields = parts.iter().map(|(d, body)| quote!(#d #body));
    let setters = members.iter().map(|m| {
        let (field, inner) = (ident(&m.rust), rust_type(shapes, m.ty));
        let d = doc(&format!(
            "Sets `{}`: {}",
            m.wire,
            first_line(&m.description)
        ));
        quote! {
            #d
            pub fn #field(mut self, value: impl ::std::convert::Into<#inner>) -> Self {
                self.#field = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    let type_doc = doc(&format!(
        "{text}\n\nRead from a response: every member may be missing (`None`), numbers and booleans may\n\
         arrive as strings, and members this version does not know are ignored. Serialized as a JSON\n\
         object with the wire member names."
    ));
    let new_doc = doc(&format!("Creates a `{name}` with no member set."));
    let object_only = object_only(cx, name, &parts, members.iter().map(|m| &m.rust), false);
    quote! {
        #type_doc
        #[derive(Clone, Debug, Default, PartialEq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #ty {
            #(#fields)*
        }

        #object_only

        impl #ty {
            #new_doc
            pub fn new() -> Self {
                ::std::default::Default::default()
            }
            #(#setters)*
        }
    }
}

/// The `Deserialize` impl of a generated structure: it reads only a JSON object. serde's
/// derived readers also take an array, member by member in order, which would read a wrong
/// shape silently as a right one (`[["db"]]` as `[{"DBName":"db"}]`); so the derived reader is
/// that of a private copy of the fields, and it is handed a deserializer that reads a map
/// whatever it is asked for.
pub(crate) fn object_only<'a>(
    cx: &Cx<'_>,
    name: &str,
    fields: &[(TokenStream, TokenStream)],
    rust_names: impl Iterator<Item = &'a String>,
    deny_unknown: bool,
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = format!("{}::serde", cx.rt_str);
    let ty = ident(name);
    let names: Vec<_> = rust_names.map(|n| ident(n)).collect();
    let fields = fields.iter().map(|(_, body)| body);
    let deny = deny_unknown.then(|| quote!(deny_unknown_fields));
    quote! {
        impl<'de> #rt::serde::Deserialize<'de> for #ty {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                // Named as the type, so serde's messages name it ("expected struct BackupObject").
                #[derive(#rt::serde::Deserialize)]
                #[serde(crate = #serde_crate, #deny)]
                struct #ty {
                    #(#fields)*
                }
                let #ty { #(#names),* } = <#ty as #rt::serde::Deserialize>::deserialize(#rt::de::ObjectOnly(deserializer))?;
                ::std::result::Result::Ok(Self { #(#names),* })
            }
        }
    }
}

/// One optional field of a response type (an output or a structure read from a response): its
/// doc and the field.
pub(crate) fn response_field(
    cx: &Cx<'_>,
    shapes: &[Shape],
    f: &Field,
) -> (TokenStream, TokenStream) {
    let field = ident(&f.rust);
    let wire = lit(&f.wire);
    let inner = rust_type(shapes, f.ty);
    // Lenient readers: numbers may arrive as strings and strings as numbers; int64 stays exact.
    let reader = match f.ty {
        Type::String => Some("string"),
        Type::Int32 => Some("int32"),
        Type::Int64 => Some("int64"),
        Type::Boolean => Some("boolean"),
        // Lists of scalars read each element leniently.
        Type::Shape(i) => match &shapes[i].kind {
            ShapeKind::List {
                member: Type::String,
                ..
            } => Some("strings"),
            ShapeKind::List {
                member: Type::Int32,
                ..
            } => Some("int32s"),
            ShapeKind::List {
                member: Type::Int64,
                ..
            } => Some("int64s"),
            ShapeKind::List {
                member: Type::Boolean,
                ..
            } => Some("booleans"),
            // Other shapes read themselves: enums by value in any case, structures leniently.
            _ => None,
        },
    };
    let d = doc(&member_doc(shapes, f, false));
    let body = match reader {
        Some(reader) => {
            let with = lit(&format!("{}::de::{reader}", cx.rt_str));
            quote! {
                #[serde(rename = #wire, default, deserialize_with = #with, skip_serializing_if = "::std::option::Option::is_none")]
                pub #field: ::std::option::Option<#inner>,
            }
        }
        None => quote! {
            #[serde(rename = #wire, default, skip_serializing_if = "::std::option::Option::is_none")]
            pub #field: ::std::option::Option<#inner>,
        },
    };
    (d, body)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// A member's or field's doc: description, type, unit, requirement (request members) and example.
fn member_doc(shapes: &[Shape], m: &Field, request: bool) -> String {
    let mut text = format!("`{}`: {}", m.wire, m.description);
    if let Type::Shape(i) = m.ty {
        let shape = &shapes[i];
        match &shape.kind {
            ShapeKind::List {
                member: Type::Shape(j),
                ..
            } => text.push_str(&format!("\n\nA list of [`{}`].", shapes[*j].name)),
            ShapeKind::List { .. } => {}
            _ => text.push_str(&format!("\n\nSee [`{}`].", shape.name)),
        }
    }
    if let Some(unit) = &m.unit {
        text.push_str(&format!("\n\nUnit: {}.", unit_words(unit)));
    }
    if request && m.required && m.ty == Type::String {
        text.push_str("\n\nRequired and must not be empty.");
    } else if request && m.required {
        text.push_str("\n\nRequired.");
    }
    if let Some(example) = &m.example {
        text.push_str(&format!("\n\nExample: `{example}`."));
    }
    text
}

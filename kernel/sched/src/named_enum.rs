//! [`named_enum!`]: a field-less enum whose values are printed by name, and
//! either stored as numbers (in an atomic, a G's byte, a trace event) or
//! chosen by name on the command line.
//!
//! Such an enum needs the same things every time: the numbers, a way back
//! from a number (or from a name), every value in order, and a name for
//! each value. Written by hand they are lists that must agree; here they
//! are one, so a new value cannot be forgotten in the name table or in
//! `from_repr`.

/// Declares an enum with a name per value (and a code, or a `--help` line,
/// per value), and generates, in an `impl` of the enum:
///
/// - `ALL`: every value, in declaration order;
/// - `NAMES`: each value's name, in the same order;
/// - `as_str(self)`: the value's name (also its `Display`).
///
/// Then, by form:
///
/// - `Variant = code => "name"` (a `#[repr]` enum): `from_repr(code)`, the
///   value with that code, `None` for any other. An enum whose values need
///   no names leaves out every `=> "name"` and gets only `ALL` and
///   `from_repr`.
/// - `Variant => "name": "help"` (an option's choices, no codes and no
///   `#[repr]`): `CHOICES`, the `(name, help)` table the option parser
///   prints; `describe(self)`, the value's help line; `from_name(name)`,
///   the value with that name, `None` for any other.
///
/// The enum derives `Clone, Copy, Debug, PartialEq, Eq` (a choice enum
/// also `Hash`); further attributes and doc comments, on the enum and on
/// each value, are kept.
///
/// ```
/// gmp_sched::named_enum! {
///     /// A traffic light.
///     pub enum Light: u8 {
///         /// Stop.
///         Red = 0 => "red",
///         Green = 2 => "green",
///     }
/// }
/// assert_eq!(Light::from_repr(2), Some(Light::Green));
/// assert_eq!(Light::from_repr(1), None);
/// assert_eq!(Light::Red.as_str(), "red");
/// assert_eq!(Light::ALL, [Light::Red, Light::Green]);
///
/// gmp_sched::named_enum! {
///     enum Bit: u8 {
///         Clear = 0,
///         Set = 1,
///     }
/// }
/// assert_eq!(Bit::from_repr(1), Some(Bit::Set));
/// assert_eq!(Bit::ALL, [Bit::Clear, Bit::Set]);
///
/// gmp_sched::named_enum! {
///     pub enum Speed {
///         Slow => "slow": "walk",
///         Fast => "fast": "run",
///     }
/// }
/// assert_eq!(Speed::from_name("fast"), Some(Speed::Fast));
/// assert_eq!(Speed::Slow.describe(), "walk");
/// assert_eq!(Speed::CHOICES, [("slow", "walk"), ("fast", "run")]);
/// ```
#[macro_export]
macro_rules! named_enum {
    // `ALL`, shared by every form.
    (@all $name:ident { $($variant:ident),+ }) => {
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];
        }
    };
    // The names, shared by the forms that have them.
    (@names $name:ident { $($variant:ident => $str:literal),+ }) => {
        impl $name {
            /// Each value's name, in the order of `ALL`.
            pub const NAMES: [&'static str; [$(stringify!($variant)),+].len()] = [$($str),+];

            /// The value's name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $str,)+
                }
            }
        }

        impl ::core::fmt::Display for $name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
    // Codes and names.
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $repr:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal => $str:literal
            ),+ $(,)?
        }
    ) => {
        $crate::named_enum! {
            $(#[$meta])*
            $vis enum $name: $repr {
                $($(#[$vmeta])* $variant = $code,)+
            }
        }
        $crate::named_enum! { @names $name { $($variant => $str),+ } }
    };
    // Codes only: the enum, `ALL` and `from_repr`.
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $repr:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $code:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr($repr)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant = $code,
            )+
        }
        $crate::named_enum! { @all $name { $($variant),+ } }

        impl $name {
            /// The value whose code is `v`, if any.
            pub const fn from_repr(v: $repr) -> ::core::option::Option<$name> {
                match v {
                    $($code => ::core::option::Option::Some($name::$variant),)+
                    _ => ::core::option::Option::None,
                }
            }
        }
    };
    // An option's choices: names and `--help` lines, no codes.
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident => $str:literal : $help:literal
            ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant,
            )+
        }
        $crate::named_enum! { @all $name { $($variant),+ } }
        $crate::named_enum! { @names $name { $($variant => $str),+ } }

        impl $name {
            /// `(name, description)` for every value: the choice table.
            pub const CHOICES: [(&'static str, &'static str); Self::ALL.len()] =
                [$(($str, $help)),+];

            /// One line for `--help`.
            pub const fn describe(self) -> &'static str {
                match self {
                    $($name::$variant => $help,)+
                }
            }

            /// The value named `name`, if any.
            pub fn from_name(name: &str) -> ::core::option::Option<Self> {
                Self::ALL.into_iter().find(|v| v.as_str() == name)
            }
        }
    };
}

//! [`named_enum!`]: a field-less enum whose values are stored as numbers
//! (in an atomic, a G's byte, a trace event) and printed by name.
//!
//! Such an enum needs the same four things every time: the numbers, a way
//! back from a number, every value in order, and a name for each value.
//! Written by hand they are four lists that must agree; here they are one,
//! so a new value cannot be forgotten in the name table or in `from_repr`.

/// Declares a `#[repr]` enum with a code and a name per value, and
/// generates, in an `impl` of the enum:
///
/// - `ALL`: every value, in declaration order;
/// - `NAMES`: each value's name, in the same order;
/// - `as_str(self)`: the value's name (also its `Display`);
/// - `from_repr(code)`: the value with that code, `None` for any other.
///
/// The enum derives `Clone, Copy, Debug, PartialEq, Eq`; further attributes
/// and doc comments, on the enum and on each value, are kept. An enum whose
/// values need no names leaves out every `=> "name"` and gets only `ALL`
/// and `from_repr`.
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
/// ```
#[macro_export]
macro_rules! named_enum {
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
    // Without names: only the enum, `ALL` and `from_repr`.
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

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The value whose code is `v`, if any.
            pub const fn from_repr(v: $repr) -> ::core::option::Option<$name> {
                match v {
                    $($code => ::core::option::Option::Some($name::$variant),)+
                    _ => ::core::option::Option::None,
                }
            }
        }
    };
}

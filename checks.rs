//! How a failed check refuses a call: with the output of a message that returns `Err(error)`,
//! but on chain without carrying the `Error` back through the contract's code.
//!
//! Carried back, an `Err` travels through every function between the check and the message
//! (each `?` copying the ~48-byte `Result`), and ink!'s dispatcher encodes it in the output code
//! of every message: ~4.8 KB of the blob, an eighth, which every call pays for (BENCHMARKS.md).
//! On chain a failed check therefore reverts the call where it fails ([`fail`]), and a message
//! that returns has succeeded ([`Outcome`]); off chain, where the unit tests call the messages
//! and the metadata is generated, and for contracts that call this one (`ink-as-dependency`),
//! the same code returns `Err(error)` as the interface's `Result`. The caller sees the same
//! bytes either way.

use crate::Error;

pub use imp::{checked, fail, Failure, Outcome};

/// A value, or the call refused with an [`Error`] (see [`Failure`]).
pub type Checked<T> = Result<T, Failure>;

impl From<core::convert::Infallible> for Error {
    fn from(never: core::convert::Infallible) -> Self {
        match never {}
    }
}

/// `Option`s whose `None` refuses the call.
pub trait OrFail<T> {
    /// The value, or the call refused with the error `error` makes.
    fn or_fail(self, error: impl FnOnce() -> Error) -> Checked<T>;
}

impl<T> OrFail<T> for Option<T> {
    fn or_fail(self, error: impl FnOnce() -> Error) -> Checked<T> {
        match self {
            Some(value) => Ok(value),
            None => fail(error()),
        }
    }
}

/// Refuses the call with `$error` (see [`fail`]), in a function that returns a [`Checked`].
macro_rules! refuse {
    ($error:expr) => {
        return $crate::checks::fail($error)
    };
}
pub(crate) use refuse;

/// The contract's own build, on chain.
#[cfg(not(any(feature = "std", feature = "ink-as-dependency")))]
mod imp {
    use crate::Error;
    use ink::scale::{Decode, Encode, Input, Output};

    /// What a failed check leaves to return: nothing, the call has ended.
    pub type Failure = core::convert::Infallible;

    /// Refuses the call with `error`: ends it here, reverting with the output ink! gives a
    /// message or constructor that returns `Err(error)`, `Ok` of the dispatch
    /// (`MessageResult` / `ConstructorResult`) then `Err(error)`.
    pub fn fail<T>(error: Error) -> super::Checked<T> {
        revert(&error)
    }

    /// One copy of the revert for every `fail::<T>`.
    #[inline(never)]
    fn revert(error: &Error) -> ! {
        use pallet_contracts_uapi::{HostFn, HostFnImpl, ReturnFlags};
        let mut output = ink::prelude::vec![0u8, 1];
        error.encode_to(&mut output);
        HostFnImpl::return_value(ReturnFlags::REVERT, &output)
    }

    /// What a fallible message returns: [`Succeeded`], since a message that returns has.
    pub type Outcome<T> = Succeeded<T>;

    /// `Ok(T)` of the interface's `Result<T, Error>`, in its SCALE encoding: the tag 0, then
    /// the value. ink!'s dispatcher then carries no code for an `Err` output.
    pub struct Succeeded<T>(T);

    impl<T: Encode> Encode for Succeeded<T> {
        fn size_hint(&self) -> usize {
            self.0.size_hint().saturating_add(1)
        }

        fn encode_to<O: Output + ?Sized>(&self, dest: &mut O) {
            dest.push_byte(0);
            self.0.encode_to(dest);
        }
    }

    /// For ink!'s `ProofManagerRef`, which this build generates but never calls: an `Err` is not
    /// a `Succeeded`.
    impl<T: Decode> Decode for Succeeded<T> {
        fn decode<I: Input>(input: &mut I) -> Result<Self, ink::scale::Error> {
            match input.read_byte()? {
                0 => T::decode(input).map(Succeeded),
                _ => Err("an Err is not a Succeeded".into()),
            }
        }
    }

    /// The message body `body` as the message's [`Outcome`].
    pub fn checked<T>(body: impl FnOnce() -> super::Checked<T>) -> Outcome<T> {
        match body() {
            Ok(value) => Succeeded(value),
            Err(never) => match never {},
        }
    }
}

/// Off chain, and as a dependency of other contracts: the interface's `Result`.
#[cfg(any(feature = "std", feature = "ink-as-dependency"))]
mod imp {
    use crate::Error;

    /// What a failed check returns: its `Error`.
    pub type Failure = Error;

    /// Refuses the call with `error`: the message returns `Err(error)`.
    pub fn fail<T>(error: Error) -> super::Checked<T> {
        Err(error)
    }

    /// What a fallible message returns: the interface's `Result`.
    pub type Outcome<T> = Result<T, Error>;

    /// The message body `body` as the message's [`Outcome`].
    pub fn checked<T>(body: impl FnOnce() -> super::Checked<T>) -> Outcome<T> {
        body()
    }
}

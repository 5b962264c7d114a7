//! A message for the operator from an agent's step: what it says, and the request it is about
//! (the logs carry the request as a field of its own).

use crate::call::Id;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub request: Option<Id>,
    pub text: String,
}

impl Note {
    /// A note about one request.
    pub fn about(id: Id, text: impl Into<String>) -> Note {
        Note {
            request: Some(id),
            text: text.into(),
        }
    }

    /// A note about no request in particular (a block, the runtime, the node).
    pub fn general(text: impl Into<String>) -> Note {
        Note {
            request: None,
            text: text.into(),
        }
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

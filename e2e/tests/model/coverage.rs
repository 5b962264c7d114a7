//! What a run of random sequences reached: each message accepted and refused, each status seen,
//! each error returned. A run at the CI budget or above must reach all of them, so that a
//! generator that stops reaching a state fails instead of passing with less to check.

use std::collections::BTreeMap;

use proof_manager_e2e::{Error, ProofRequestStatus};

use crate::model::{Call, Reply};

/// The budget at and above which the floors are asserted: the CI run's.
pub const FLOOR_CASES: u32 = 256;

/// Every status of the diagram.
pub const STATUSES: [ProofRequestStatus; 9] = {
    use ProofRequestStatus::*;
    [
        PendingAcknowledgement,
        Committed,
        Refused,
        Unacknowledged,
        Proven,
        TimedOut,
        Validated,
        ValidationFailed,
        Paid,
    ]
};

/// Errors the generator cannot reach, with the test that reaches each instead.
pub const UNREACHED_ERRORS: [(&str, &str); 3] = [
    (
        "ArithmeticOverflow",
        "needs a block time near u64::MAX, which would end every sequence: the drink tests \
         submission_overflows_the_clock_*",
    ),
    (
        "DeadlineIndexMismatch",
        "a broken invariant, reachable only through code with other deadline rules: the drink \
         test upgrade_to_other_deadline_rules_is_refused_until_reverted",
    ),
    (
        "LedgerEntryMissing",
        "a broken invariant no sequence of calls can cause",
    ),
];

/// The variant's name; the match is exhaustive, so a new variant must be named here.
pub fn error_name(error: &Error) -> &'static str {
    match error {
        Error::AddressCannotBeZero(_) => "AddressCannotBeZero",
        Error::DuplicatedProofRequest(_) => "DuplicatedProofRequest",
        Error::InvalidProofRequestTimeout(_) => "InvalidProofRequestTimeout",
        Error::MaxRewardOutOfBounds(_) => "MaxRewardOutOfBounds",
        Error::NoPaymentDue => "NoPaymentDue",
        Error::NoFundsAvailable => "NoFundsAvailable",
        Error::OnlyProvingNetworkAllowed(_) => "OnlyProvingNetworkAllowed",
        Error::OnlyProvingNetworkAssigneeAllowed(_) => "OnlyProvingNetworkAssigneeAllowed",
        Error::ProofRequestIsNotCommitted(_) => "ProofRequestIsNotCommitted",
        Error::ProofRequestIsNotPendingAcknowledgement(_) => {
            "ProofRequestIsNotPendingAcknowledgement"
        }
        Error::ProofRequestIsNotProven(_) => "ProofRequestIsNotProven",
        Error::ProofRequestAcknowledgementDeadlinePassed(_) => {
            "ProofRequestAcknowledgementDeadlinePassed"
        }
        Error::ProofRequestProvingDeadlinePassed(_) => "ProofRequestProvingDeadlinePassed",
        Error::EmptyProof => "EmptyProof",
        Error::OnlyAdminAllowed(_) => "OnlyAdminAllowed",
        Error::OnlySubmitterAllowed(_) => "OnlySubmitterAllowed",
        Error::OnlyPendingAdminAllowed(_) => "OnlyPendingAdminAllowed",
        Error::DeadlineNotPassed(_) => "DeadlineNotPassed",
        Error::AddressInUse(_) => "AddressInUse",
        Error::InputTooLarge(_) => "InputTooLarge",
        Error::ProofRequestNotFound(_) => "ProofRequestNotFound",
        Error::InsufficientFreeFunds(_) => "InsufficientFreeFunds",
        Error::TokenTransferFailed(_) => "TokenTransferFailed",
        Error::TokenCallFailed => "TokenCallFailed",
        Error::CodeUpgradeFailed => "CodeUpgradeFailed",
        Error::ArithmeticOverflow => "ArithmeticOverflow",
        Error::DeadlineIndexMismatch(_) => "DeadlineIndexMismatch",
        Error::LedgerEntryMissing(..) => "LedgerEntryMissing",
    }
}

/// Every error variant, by name (each from a value, so the list follows `error_name`).
fn all_errors() -> Vec<&'static str> {
    use proof_manager_e2e::{AddressField, PSP22Error};
    let (id, account) = (proof_manager_e2e::request(0), proof_manager_e2e::ADMIN);
    let status = ProofRequestStatus::Paid;
    [
        Error::AddressCannotBeZero(AddressField::Admin),
        Error::DuplicatedProofRequest(id),
        Error::InvalidProofRequestTimeout(0),
        Error::MaxRewardOutOfBounds(0),
        Error::NoPaymentDue,
        Error::NoFundsAvailable,
        Error::OnlyProvingNetworkAllowed(account),
        Error::OnlyProvingNetworkAssigneeAllowed(account),
        Error::ProofRequestIsNotCommitted(status),
        Error::ProofRequestIsNotPendingAcknowledgement(status),
        Error::ProofRequestIsNotProven(status),
        Error::ProofRequestAcknowledgementDeadlinePassed(0),
        Error::ProofRequestProvingDeadlinePassed(0),
        Error::EmptyProof,
        Error::OnlyAdminAllowed(account),
        Error::OnlySubmitterAllowed(account),
        Error::OnlyPendingAdminAllowed(account),
        Error::DeadlineNotPassed(0),
        Error::AddressInUse(account),
        Error::InputTooLarge(0),
        Error::ProofRequestNotFound(id),
        Error::InsufficientFreeFunds(0),
        Error::TokenTransferFailed(PSP22Error::InsufficientBalance),
        Error::TokenCallFailed,
        Error::CodeUpgradeFailed,
        Error::ArithmeticOverflow,
        Error::DeadlineIndexMismatch(id),
        Error::LedgerEntryMissing(proof_manager_e2e::ProvingNetwork::Fermah, 0),
    ]
    .iter()
    .map(error_name)
    .collect()
}

/// What a run reached.
#[derive(Default)]
pub struct Coverage {
    /// Per call name: accepted, refused.
    calls: BTreeMap<&'static str, [u64; 2]>,
    statuses: BTreeMap<String, u64>,
    errors: BTreeMap<&'static str, u64>,
}

impl Coverage {
    pub fn record(&mut self, call: &Call, reply: &Reply) {
        let error = match reply {
            Reply::Manager(Err(e)) | Reply::Claimed(Err(e)) => Some(e),
            _ => None,
        };
        let refused = error.is_some() || matches!(reply, Reply::Token(Err(_)));
        self.calls.entry(call.name()).or_default()[usize::from(refused)] += 1;
        if let Some(error) = error {
            *self.errors.entry(error_name(error)).or_default() += 1;
        }
    }

    pub fn saw(&mut self, status: ProofRequestStatus) {
        *self.statuses.entry(format!("{status:?}")).or_default() += 1;
    }

    pub fn report(&self) -> String {
        let calls: Vec<String> = self
            .calls
            .iter()
            .map(|(name, [ok, refused])| format!("{name} {ok}/{refused}"))
            .collect();
        let statuses: Vec<String> = self
            .statuses
            .iter()
            .map(|(status, n)| format!("{status} {n}"))
            .collect();
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(error, n)| format!("{error} {n}"))
            .collect();
        format!(
            "calls (ok/refused): {}\nstatuses seen: {}\nerrors returned: {}",
            calls.join(", "),
            statuses.join(", "),
            errors.join(", ")
        )
    }

    /// What the run did not reach: each status, each message accepted and refused, each
    /// reachable error at least once.
    pub fn gaps(&self) -> Vec<String> {
        let mut gaps = Vec::new();
        for status in STATUSES {
            if !self.statuses.contains_key(&format!("{status:?}")) {
                gaps.push(format!("status {status:?} never seen"));
            }
        }
        for name in Call::MESSAGES {
            let [ok, refused] = self.calls.get(name).copied().unwrap_or_default();
            if ok == 0 {
                gaps.push(format!("{name} never accepted"));
            }
            if refused == 0 {
                gaps.push(format!("{name} never refused"));
            }
        }
        let unreached: Vec<&str> = UNREACHED_ERRORS.iter().map(|(name, _)| *name).collect();
        for error in all_errors() {
            if !unreached.contains(&error) && !self.errors.contains_key(error) {
                gaps.push(format!("error {error} never returned"));
            }
        }
        gaps
    }
}

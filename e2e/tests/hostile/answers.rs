//! A token whose answers are not what PSP22 promises. ProofManager reads `balance_of` and
//! `transfer` as ink!'s call builder would (`decode_all` of `MessageResult<u128>` and of
//! `MessageResult<Result<(), PSP22Error>>`): exactly one such value is an answer, anything else
//! is `TokenCallFailed`, and a refusal the token names is `TokenTransferFailed` with its error,
//! however long. Nothing changes when a call fails.

use super::*;

/// Each answer to `balance_of` that is not exactly one `Ok(u128)` refuses the submission with
/// `TokenCallFailed`; the same balance with nothing around it is read as the balance.
#[test]
fn balance_answers_that_are_not_one_balance_are_refused() {
    let mut chain = hostile_chain(10, Chain::default_roles);
    let token = chain.token;
    let balance = output(10 * TOKEN);
    let not_a_balance = [
        Vec::new(),
        vec![0],
        balance[..balance.len() - 1].to_vec(),
        [&balance[..], &[0]].concat(),
        // `Err(LangError::CouldNotReadInput)`.
        vec![1, 1],
    ];
    for answer in not_a_balance {
        chain.set_hostile_mode(token, &HostileMode::Answer(answer.clone()));
        let before = state(&mut chain);
        assert_eq!(
            chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
            Err(Error::TokenCallFailed),
            "answer {answer:?}"
        );
        assert!(
            state(&mut chain) == before,
            "answer {answer:?} changed state"
        );
    }
    chain.set_hostile_mode(token, &HostileMode::Answer(balance));
    assert_eq!(
        chain.submit_proof_request(SUBMITTER, request(0), &default_params()),
        Ok(())
    );
}

/// A transfer's answer: a refusal the token names is `TokenTransferFailed` with that error,
/// a 12,000-byte message included; an answer that is not exactly one
/// `Ok(Result<(), PSP22Error>)` is `TokenCallFailed`; both leave the reward owed.
#[test]
fn transfer_answers_are_read_exactly() {
    let mut chain = hostile_chain(10, Chain::default_roles);
    let token = chain.token;
    let prover = validate(&mut chain, 0, MAX_REWARD);
    let long = "x".repeat(12_000);
    let named = [
        (PSP22Error::InsufficientAllowance, "a unit error"),
        (PSP22Error::Custom(long), "a 12,000-byte message"),
    ];
    for (error, what) in named {
        chain.set_hostile_mode(
            token,
            &HostileMode::Answer(output(Err::<(), &PSP22Error>(&error))),
        );
        let before = state(&mut chain);
        assert_eq!(
            chain.claim_reward(prover),
            Err(Error::TokenTransferFailed(error)),
            "{what}"
        );
        assert!(state(&mut chain) == before, "{what} changed state");
    }
    let paid = output(Ok::<(), PSP22Error>(()));
    let not_an_answer = [
        Vec::new(),
        vec![0],
        [&paid[..], &[0]].concat(),
        // An error tag with no error, and an error that does not decode.
        vec![0, 1],
        vec![0, 1, 0xff],
        // `Err(LangError::CouldNotReadInput)`.
        vec![1, 1],
    ];
    for answer in not_an_answer {
        chain.set_hostile_mode(token, &HostileMode::Answer(answer.clone()));
        let before = state(&mut chain);
        assert_eq!(
            chain.claim_reward(prover),
            Err(Error::TokenCallFailed),
            "answer {answer:?}"
        );
        assert!(
            state(&mut chain) == before,
            "answer {answer:?} changed state"
        );
    }
    assert_eq!(
        chain
            .proving_network_info(ProvingNetwork::Fermah)
            .owed_reward,
        MAX_REWARD
    );
    chain.set_hostile_mode(token, &HostileMode::Honest);
    assert_eq!(chain.claim_reward(prover), Ok(MAX_REWARD));
}

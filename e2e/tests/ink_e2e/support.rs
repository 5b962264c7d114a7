//! The fixture (token and ProofManager deployed and funded by Alice), typed calls that assert
//! how a message ended, and the decoded events the bodies compare against.

use std::fmt::Debug;

use ink::codegen::ContractCallBuilder;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::{account_id, create_call_builder, AccountKeyring, CallBuilderFinal, Keypair};
use proof_manager::{ProofManager, ProofManagerRef};
use proof_manager_e2e::*;
use psp22::PSP22;
use psp22_mock::{Psp22Mock, Psp22MockRef};

use crate::backend::{Backend, EmittedEvents, Env};

/// Alice's token supply: 1,000 tokens.
pub const SUPPLY: u128 = 1_000 * TOKEN;
/// What Alice funds the ProofManager with: 100 tokens, room for 20 in-flight requests.
pub const FUNDS: u128 = 100 * TOKEN;

/// Extra gas, in per cent of the dry run's estimate, for every submitted call. contracts-node
/// 0.41's pallet-contracts under-estimates the proof size of calls that call the token
/// (`submit_proof_request`'s funds guard, `claim_reward`, `withdraw`): measured there, a
/// submission estimated at 86,560 needed up to ~90,000 and failed with `OutOfGas` at the
/// estimate. The sandbox backend does not need it; both get it, so the bodies stay the same.
pub const EXTRA_GAS_PERCENT: u64 = 10;

/// The admin and submitter.
pub fn alice() -> AccountId {
    account_id(AccountKeyring::Alice)
}
/// Fermah's key at deployment.
pub fn bob() -> AccountId {
    account_id(AccountKeyring::Bob)
}
/// Lagrange's key.
pub fn charlie() -> AccountId {
    account_id(AccountKeyring::Charlie)
}
/// An account with no role.
pub fn dave() -> AccountId {
    account_id(AccountKeyring::Dave)
}
/// Fermah's key after a rotation.
pub fn eve() -> AccountId {
    account_id(AccountKeyring::Eve)
}

/// A contract event of the token or the ProofManager, decoded with the contracts' own types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Emitted {
    /// The token's `psp22::Transfer` (which has no `PartialEq` of its own).
    Transfer {
        from: Option<AccountId>,
        to: Option<AccountId>,
        value: u128,
    },
    Submitted(ProofRequestSubmitted),
    Acknowledged(ProofRequestAcknowledged),
    Proven(ProofRequestProven),
    Validation(ProofValidationResult),
    Claimed(RewardClaimed),
    Withdrawn(FundsWithdrawn),
    AddressUpdated(ProvingNetworkAddressUpdated),
    StatusUpdated(ProvingNetworkStatusUpdated),
    PreferredUpdated(PreferredProvingNetworkUpdated),
}

/// The token's transfer of `value` from `from` to `to`.
pub fn transfer(from: AccountId, to: AccountId, value: u128) -> Emitted {
    Emitted::Transfer {
        from: Some(from),
        to: Some(to),
        value,
    }
}

/// The token and the ProofManager, deployed by Alice.
pub struct Deployment {
    pub token: AccountId,
    pub manager: AccountId,
}

impl Deployment {
    /// Decodes `events`; panics on an event the suite does not know or one emitted by a
    /// contract other than the one that defines it.
    pub fn decode(&self, events: &[EmittedEvent]) -> Vec<Emitted> {
        events
            .iter()
            .map(|event| {
                if event.contract == self.token {
                    decode_transfer(event)
                } else if event.contract == self.manager {
                    decode_manager_event(event)
                } else {
                    None
                }
                .unwrap_or_else(|| panic!("unexpected event {event:?}"))
            })
            .collect()
    }

    /// Builds the ProofManager's messages.
    pub fn manager(&self) -> <ProofManager as ContractCallBuilder>::Type {
        create_call_builder::<ProofManager>(self.manager)
    }

    /// Builds the token's messages.
    pub fn token(&self) -> <Psp22Mock as ContractCallBuilder>::Type {
        create_call_builder::<Psp22Mock>(self.token)
    }
}

fn decode_transfer(event: &EmittedEvent) -> Option<Emitted> {
    event
        .decode::<psp22::Transfer>()
        .map(|psp22::Transfer { from, to, value }| Emitted::Transfer { from, to, value })
}

fn decode_manager_event(event: &EmittedEvent) -> Option<Emitted> {
    None.or_else(|| event.decode().map(Emitted::Submitted))
        .or_else(|| event.decode().map(Emitted::Acknowledged))
        .or_else(|| event.decode().map(Emitted::Proven))
        .or_else(|| event.decode().map(Emitted::Validation))
        .or_else(|| event.decode().map(Emitted::Claimed))
        .or_else(|| event.decode().map(Emitted::Withdrawn))
        .or_else(|| event.decode().map(Emitted::AddressUpdated))
        .or_else(|| event.decode().map(Emitted::StatusUpdated))
        .or_else(|| event.decode().map(Emitted::PreferredUpdated))
}

/// Deploys the token (Alice holds `SUPPLY`) and a ProofManager with Bob as Fermah, Charlie as
/// Lagrange and Alice as submitter and admin, then funds it with `FUNDS`; checks the events and
/// balances of each step.
pub async fn deploy<B: Backend>(client: &mut B) -> Deployment {
    let mut token_constructor =
        Psp22MockRef::new(SUPPLY, Some("USD Coin".into()), Some("USDC".into()), 6);
    let token = client
        .instantiate("psp22_mock", &ink_e2e::alice(), &mut token_constructor)
        .submit()
        .await
        .unwrap_or_else(|e| panic!("deploying the token: {e}"));
    let token_events = token.events.emitted();
    let token = token.account_id;
    assert_eq!(
        token_events
            .iter()
            .map(|event| (event.contract, decode_transfer(event)))
            .collect::<Vec<_>>(),
        vec![(
            token,
            Some(Emitted::Transfer {
                from: None,
                to: Some(alice()),
                value: SUPPLY
            })
        )]
    );

    let mut manager_constructor = ProofManagerRef::new(bob(), charlie(), token, alice(), alice());
    let manager = client
        .instantiate("proof_manager", &ink_e2e::alice(), &mut manager_constructor)
        .submit()
        .await
        .unwrap_or_else(|e| panic!("deploying the ProofManager: {e}"));
    let deployment = Deployment {
        token,
        manager: manager.account_id,
    };
    assert_eq!(
        deployment.decode(&manager.events.emitted()),
        [
            (ProvingNetwork::Fermah, bob()),
            (ProvingNetwork::Lagrange, charlie())
        ]
        .into_iter()
        .flat_map(|(network, address)| [
            Emitted::AddressUpdated(ProvingNetworkAddressUpdated {
                proving_network: network,
                address,
            }),
            Emitted::StatusUpdated(ProvingNetworkStatusUpdated {
                proving_network: network,
                status: ProvingNetworkStatus::Active,
            }),
        ])
        .chain([Emitted::PreferredUpdated(PreferredProvingNetworkUpdated {
            proving_network: None,
        })])
        .collect::<Vec<_>>()
    );

    let events = ok(
        client,
        &ink_e2e::alice(),
        &deployment
            .token()
            .transfer(deployment.manager, FUNDS, Vec::new()),
    )
    .await
    .1;
    assert_eq!(
        deployment.decode(&events),
        vec![transfer(alice(), deployment.manager, FUNDS)]
    );
    assert_eq!(
        balance(client, &deployment, deployment.manager).await,
        FUNDS
    );
    assert_eq!(balance(client, &deployment, alice()).await, SUPPLY - FUNDS);
    deployment
}

/// Submits `message` as `caller` and requires it to return `Ok`; returns the value and the
/// call's contract events.
pub async fn ok<B, Args, T, E>(
    client: &mut B,
    caller: &Keypair,
    message: &CallBuilderFinal<Env, Args, Result<T, E>>,
) -> (T, Vec<EmittedEvent>)
where
    B: Backend,
    Args: Sync + Encode + Clone,
    T: Decode + Send + Debug,
    E: Decode + Send + Debug,
{
    let result = client
        .call(caller, message)
        .extra_gas_portion(EXTRA_GAS_PERCENT)
        .submit()
        .await
        .unwrap_or_else(|e| panic!("the call failed: {e}"));
    let events = result.events.emitted();
    match result.return_value() {
        Ok(value) => (value, events),
        Err(error) => panic!("the message returned {error:?}"),
    }
}

/// Requires `message`, called by `caller`, to be refused: returns the message's error, and
/// submits it as a transaction too, which must revert.
pub async fn refused<B, Args, T, E>(
    client: &mut B,
    caller: &Keypair,
    message: &CallBuilderFinal<Env, Args, Result<T, E>>,
) -> E
where
    B: Backend,
    Args: Sync + Encode + Clone,
    T: Decode + Send + Debug,
    E: Decode + Send + Debug,
{
    let error = client
        .call(caller, message)
        .dry_run()
        .await
        .unwrap_or_else(|e| panic!("the dry run failed: {e}"))
        .return_value()
        .expect_err("the message should be refused");
    let submitted = client
        .call(caller, message)
        .extra_gas_portion(EXTRA_GAS_PERCENT)
        .submit()
        .await;
    match submitted {
        // The sandbox reports a reverted call as a call that returned with the revert flag.
        Ok(result) => {
            assert!(result.dry_run.exec_return_value().did_revert());
            assert_eq!(result.events.emitted(), Vec::new());
        }
        // The node fails the extrinsic.
        Err(e) => assert!(
            e.to_string().contains("ContractReverted"),
            "expected a reverted call, got {e}"
        ),
    }
    error
}

/// Runs the view `message` (a dry run: nothing is stored).
pub async fn query<B, Args, T>(client: &mut B, message: &CallBuilderFinal<Env, Args, T>) -> T
where
    B: Backend,
    Args: Sync + Encode + Clone,
    T: Decode + Send,
{
    client
        .call(&ink_e2e::dave(), message)
        .dry_run()
        .await
        .unwrap_or_else(|e| panic!("the query failed: {e}"))
        .return_value()
}

/// `owner`'s token balance.
pub async fn balance<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    owner: AccountId,
) -> u128 {
    query(client, &deployment.token().balance_of(owner)).await
}

/// The effective status of request `n`.
pub async fn status<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    n: u64,
) -> ProofRequestStatus {
    query(client, &deployment.manager().proof_request(request(n)))
        .await
        .unwrap_or_else(|| panic!("request {n} is stored"))
        .status
}

/// The `ProofRequestSubmitted` event of request `n` with `default_params()`.
pub fn submitted(
    n: u64,
    assigned_to: Option<ProvingNetwork>,
    status: ProofRequestStatus,
) -> Emitted {
    let params = default_params();
    Emitted::Submitted(ProofRequestSubmitted {
        chain_id: request(n).chain_id,
        block_number: request(n).block_number,
        assigned_to,
        proof_inputs_url: params.proof_inputs_url,
        protocol_major: params.protocol_major,
        protocol_minor: params.protocol_minor,
        protocol_patch: params.protocol_patch,
        timeout_after: params.timeout_after,
        max_reward: params.max_reward,
        request_id: n,
        status,
    })
}

/// The `ProofRequestAcknowledged` event of request `n`.
pub fn acknowledged(n: u64, accepted: bool, assigned_to: ProvingNetwork) -> Emitted {
    Emitted::Acknowledged(ProofRequestAcknowledged {
        chain_id: request(n).chain_id,
        block_number: request(n).block_number,
        accepted,
        assigned_to,
    })
}

/// Alice submits request `n` with `default_params()`; returns the call's events.
pub async fn submit<B: Backend>(client: &mut B, deployment: &Deployment, n: u64) -> Vec<Emitted> {
    let message = deployment
        .manager()
        .submit_proof_request(request(n), default_params());
    let ((), events) = ok(client, &ink_e2e::alice(), &message).await;
    deployment.decode(&events)
}

/// The keypair of a network's key at deployment.
pub fn signer(network: ProvingNetwork) -> Keypair {
    match network {
        ProvingNetwork::Fermah => ink_e2e::bob(),
        ProvingNetwork::Lagrange => ink_e2e::charlie(),
    }
}

/// The assignee of request `n` (as `signer`) accepts it.
pub async fn commit<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    n: u64,
    network: ProvingNetwork,
) {
    let message = deployment
        .manager()
        .acknowledge_proof_request(request(n), true);
    let ((), events) = ok(client, &signer(network), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![acknowledged(n, true, network)]
    );
}

/// The assignee of the committed request `n` proves it, asking `reward`.
pub async fn prove<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    n: u64,
    network: ProvingNetwork,
    reward: u128,
) {
    let proof = proof_of(64);
    let message = deployment
        .manager()
        .submit_proof(request(n), proof.clone(), reward);
    let ((), events) = ok(client, &signer(network), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::Proven(ProofRequestProven {
            chain_id: request(n).chain_id,
            block_number: request(n).block_number,
            proof,
            assigned_to: network,
            requested_reward: reward.min(MAX_REWARD),
        })]
    );
}

/// Alice records the verdict on the proven request `n`.
pub async fn validate<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    n: u64,
    network: ProvingNetwork,
    is_proof_valid: bool,
) {
    let message = deployment
        .manager()
        .submit_proof_validation_result(request(n), is_proof_valid);
    let ((), events) = ok(client, &ink_e2e::alice(), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::Validation(ProofValidationResult {
            chain_id: request(n).chain_id,
            block_number: request(n).block_number,
            is_proof_valid,
            assigned_to: network,
        })]
    );
}

/// Alice sets the preferred network.
pub async fn prefer<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    network: Option<ProvingNetwork>,
) {
    let message = deployment
        .manager()
        .update_preferred_proving_network(network);
    let ((), events) = ok(client, &ink_e2e::alice(), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::PreferredUpdated(PreferredProvingNetworkUpdated {
            proving_network: network,
        })]
    );
}

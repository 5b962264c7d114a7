//! The actors, the fixture (token and ProofManager deployed and funded by the admin), typed calls
//! that assert how the submitted call ended, and the decoded events the bodies compare against.

use std::fmt::Debug;

use ink::codegen::ContractCallBuilder;
use ink::primitives::AccountId;
use ink::scale::{Decode, Encode};
use ink_e2e::{create_call_builder, CallBuilderFinal, Keypair};
use proof_manager::{ProofManager, ProofManagerRef};
use proof_manager_e2e::*;
use psp22::PSP22;
use psp22_mock::{Psp22Mock, Psp22MockRef};

use crate::backend::{Backend, EmittedEvents, Env};

/// The admin's token supply: 1,000 tokens.
pub const SUPPLY: u128 = 1_000 * TOKEN;
/// What the admin funds the ProofManager with: 100 tokens, room for 20 in-flight requests.
pub const FUNDS: u128 = 100 * TOKEN;

/// Extra gas, in per cent of the dry run's estimate, for every submitted call. contracts-node
/// 0.41's pallet-contracts under-estimates the proof size of calls that call the token
/// (`submit_proof_request`'s funds guard, `claim_reward`, `withdraw`): measured there, a
/// submission estimated at 86,560 needed up to ~90,000 and failed with `OutOfGas` at the
/// estimate. The sandbox backend does not need it; both get it, so the bodies stay the same.
pub const EXTRA_GAS_PERCENT: u64 = 10;

// The actors by role, on the keyring with the first names of the unit tests' and the drink
// suites' accounts in the same roles (see `e2e/src/fixtures.rs`).

/// The operator's admin key; it also deploys and funds the contracts.
pub fn admin() -> Keypair {
    ink_e2e::alice()
}
/// The operator's submitter key.
pub fn submitter() -> Keypair {
    ink_e2e::eve()
}
/// Fermah's key at deployment.
pub fn fermah() -> Keypair {
    ink_e2e::bob()
}
/// Lagrange's key.
pub fn lagrange() -> Keypair {
    ink_e2e::charlie()
}
/// An account with no role.
pub fn outsider() -> Keypair {
    ink_e2e::dave()
}
/// Fermah's key after a rotation.
pub fn fermah_new_key() -> Keypair {
    ink_e2e::ferdie()
}

/// The account of a key.
pub fn id(key: &Keypair) -> AccountId {
    AccountId::from(key.public_key().0)
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

/// The token and the ProofManager, deployed by the admin.
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

/// The contract's own decoder, dispatching on the signature topic; the suite knows only the
/// events its bodies expect.
fn decode_manager_event(event: &EmittedEvent) -> Option<Emitted> {
    match ManagerEvent::decode(&event.topics, &event.data).ok()? {
        ManagerEvent::ProofRequestSubmitted(e) => Some(Emitted::Submitted(e)),
        ManagerEvent::ProofRequestAcknowledged(e) => Some(Emitted::Acknowledged(e)),
        ManagerEvent::ProofRequestProven(e) => Some(Emitted::Proven(e)),
        ManagerEvent::ProofValidationResult(e) => Some(Emitted::Validation(e)),
        ManagerEvent::RewardClaimed(e) => Some(Emitted::Claimed(e)),
        ManagerEvent::FundsWithdrawn(e) => Some(Emitted::Withdrawn(e)),
        ManagerEvent::ProvingNetworkAddressUpdated(e) => Some(Emitted::AddressUpdated(e)),
        ManagerEvent::ProvingNetworkStatusUpdated(e) => Some(Emitted::StatusUpdated(e)),
        ManagerEvent::PreferredProvingNetworkUpdated(e) => Some(Emitted::PreferredUpdated(e)),
        _ => None,
    }
}

/// Deploys the token (the admin holds `SUPPLY`) and a ProofManager with the standard roles, then
/// funds it with `FUNDS`; checks the events and balances of each step.
pub async fn deploy<B: Backend>(client: &mut B) -> Deployment {
    let mut token_constructor =
        Psp22MockRef::new(SUPPLY, Some("USD Coin".into()), Some("USDC".into()), 6);
    let token = client
        .instantiate("psp22_mock", &admin(), &mut token_constructor)
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
                to: Some(id(&admin())),
                value: SUPPLY
            })
        )]
    );

    let mut manager_constructor = ProofManagerRef::new(
        id(&fermah()),
        id(&lagrange()),
        token,
        id(&submitter()),
        id(&admin()),
    );
    let manager = client
        .instantiate("proof_manager", &admin(), &mut manager_constructor)
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
            (ProvingNetwork::Fermah, id(&fermah())),
            (ProvingNetwork::Lagrange, id(&lagrange()))
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
        &admin(),
        &deployment
            .token()
            .transfer(deployment.manager, FUNDS, Vec::new()),
    )
    .await
    .1;
    assert_eq!(
        deployment.decode(&events),
        vec![transfer(id(&admin()), deployment.manager, FUNDS)]
    );
    assert_eq!(
        balance(client, &deployment, deployment.manager).await,
        FUNDS
    );
    assert_eq!(
        balance(client, &deployment, id(&admin())).await,
        SUPPLY - FUNDS
    );
    deployment
}

/// Submits `message` as `caller` and requires the submitted call to have succeeded: it did not
/// revert (pallet-contracts reports a `Called` event for the callee only then, and ink! reverts
/// every `Err`), so the message returned `Ok`. A submitted call returns no data on a node, so the
/// value is the dry run's; returns it and the call's contract events.
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
    let callee = *message.clone().params().callee();
    let result = client
        .call(caller, message)
        .extra_gas_portion(EXTRA_GAS_PERCENT)
        .submit()
        .await
        .unwrap_or_else(|e| panic!("the call failed: {e}"));
    assert!(
        result.events.called().contains(&callee),
        "the submitted call reverted"
    );
    let events = result.events.emitted();
    match result.return_value() {
        Ok(value) => (value, events),
        Err(error) => panic!("the dry run returned {error:?} for a call that succeeded"),
    }
}

/// Requires `message`, called by `caller`, to be refused: returns the message's error from a dry
/// run, and submits it, which must revert (the node fails the extrinsic with `ContractReverted`;
/// the sandbox reports no `Called` event and no contract event).
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
    let callee = *message.clone().params().callee();
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
        Ok(result) => {
            assert!(
                !result.events.called().contains(&callee),
                "the submitted call succeeded"
            );
            assert_eq!(result.events.emitted(), Vec::new());
        }
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
        .call(&outsider(), message)
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

/// The submitter submits request `n` with `default_params()`; returns the call's events.
pub async fn submit<B: Backend>(client: &mut B, deployment: &Deployment, n: u64) -> Vec<Emitted> {
    let message = deployment
        .manager()
        .submit_proof_request(request(n), default_params());
    let ((), events) = ok(client, &submitter(), &message).await;
    deployment.decode(&events)
}

/// The keypair of a network's key at deployment.
pub fn signer(network: ProvingNetwork) -> Keypair {
    match network {
        ProvingNetwork::Fermah => fermah(),
        ProvingNetwork::Lagrange => lagrange(),
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

/// The submitter records the verdict on the proven request `n`.
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
    let ((), events) = ok(client, &submitter(), &message).await;
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

/// The admin sets the preferred network.
pub async fn prefer<B: Backend>(
    client: &mut B,
    deployment: &Deployment,
    network: Option<ProvingNetwork>,
) {
    let message = deployment
        .manager()
        .update_preferred_proving_network(network);
    let ((), events) = ok(client, &admin(), &message).await;
    assert_eq!(
        deployment.decode(&events),
        vec![Emitted::PreferredUpdated(PreferredProvingNetworkUpdated {
            proving_network: network,
        })]
    );
}

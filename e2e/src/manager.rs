//! One typed wrapper per ProofManager message and view, and the payment token's calls, each
//! built with the contract's own call builder and taking its caller.

use ink::primitives::{AccountId, Hash};
use proof_manager::{
    Error, ProofManager, ProofManagerRef, ProofRequest, ProofRequestIdentifier, ProofRequestParams,
    ProofRequestStatus, ProvingNetwork, ProvingNetworkInfo, ProvingNetworkStatus,
};
use psp22::{PSP22Error, PSP22};
use psp22_mock::{Psp22Mock, Psp22MockRef};

use crate::chain::{proof_manager_wasm, psp22_mock_wasm, Chain};
use crate::fixtures::{Roles, ADMIN, FERMAH, LAGRANGE, SUBMITTER, TOKEN};
use proof_manager::contract;

/// The call builder of ProofManager's messages.
pub type ManagerCalls = <ProofManager as ink::codegen::ContractCallBuilder>::Type;
/// The call builder of the PSP22 mock's messages.
pub type TokenCalls = <Psp22Mock as ink::codegen::ContractCallBuilder>::Type;

impl Chain {
    /// The roles `Chain::new` deploys ProofManager with.
    pub fn default_roles(&self) -> Roles {
        Roles {
            fermah: FERMAH,
            lagrange: LAGRANGE,
            usdc: self.token,
            submitter: SUBMITTER,
            admin: ADMIN,
        }
    }

    /// Deploys a PSP22 mock (6 decimals, `supply` minted to `ADMIN`) from `ADMIN`.
    pub fn deploy_token(&mut self, supply: u128) -> Result<AccountId, String> {
        let constructor =
            Psp22MockRef::new(supply, Some("USD Coin".into()), Some("USDC".into()), 6);
        self.deploy(psp22_mock_wasm(), constructor, ADMIN)?
            .map_err(|()| "the PSP22 mock's constructor cannot fail".to_string())
    }

    /// Deploys a ProofManager from `ADMIN`; the inner `Result` is the constructor's.
    pub fn deploy_manager(&mut self, roles: Roles) -> Result<Result<AccountId, Error>, String> {
        let constructor = ProofManagerRef::new(
            roles.fermah,
            roles.lagrange,
            roles.usdc,
            roles.submitter,
            roles.admin,
        );
        self.deploy(proof_manager_wasm(), constructor, ADMIN)
    }

    /// ProofManager's messages, to build a call with.
    pub fn manager_calls(&self) -> ManagerCalls {
        contract::<ProofManager>(self.manager)
    }

    /// The payment token's messages (the PSP22 mock's), to build a call with.
    pub fn token_calls(&self) -> TokenCalls {
        contract::<Psp22Mock>(self.token)
    }

    // ---------------------------------------------------------------------------------------
    // The payment token
    // ---------------------------------------------------------------------------------------

    /// Mints `amount` of the PSP22 mock at `token` to `to`, as its deployer.
    pub fn mint_token(&mut self, token: AccountId, to: AccountId, amount: u128) {
        let minted = self.call(ADMIN, contract::<Psp22Mock>(token).mint(to, amount));
        minted.expect("minting a PSP22 mock");
    }

    /// Mints `amount` of the payment token to `to`, as the token's deployer.
    pub fn mint(&mut self, to: AccountId, amount: u128) {
        let token = self.token;
        self.mint_token(token, to, amount);
    }

    /// Mints `amount` to the ProofManager.
    pub fn fund(&mut self, amount: u128) {
        let manager = self.manager;
        self.mint(manager, amount);
    }

    /// Gives the ProofManager `tokens` whole tokens and makes Fermah the preferred network: the
    /// starting point of the suites and the benchmark.
    pub fn fund_and_prefer_fermah(&mut self, tokens: u128) {
        self.fund(tokens * TOKEN);
        self.update_preferred_proving_network(ADMIN, Some(ProvingNetwork::Fermah))
            .expect("admin sets the preferred network");
    }

    /// `owner`'s balance of the PSP22 token at `token`, as its `balance_of` reports it.
    pub fn balance_of(&mut self, token: AccountId, owner: AccountId) -> u128 {
        self.query(contract::<Psp22Mock>(token).balance_of(owner))
    }

    /// `owner`'s balance of the payment token.
    pub fn token_balance(&mut self, owner: AccountId) -> u128 {
        let token = self.token;
        self.balance_of(token, owner)
    }

    pub fn token_transfer(
        &mut self,
        caller: AccountId,
        to: AccountId,
        amount: u128,
    ) -> Result<(), PSP22Error> {
        let message = self.token_calls().transfer(to, amount, Vec::new());
        self.call(caller, message)
    }

    /// Makes every transfer of the payment token fail (`false`) or work again.
    pub fn set_token_transfers_enabled(&mut self, enabled: bool) {
        let message = self.token_calls().set_transfers_enabled(enabled);
        self.call(ADMIN, message)
            .expect("switching token transfers");
    }

    // ---------------------------------------------------------------------------------------
    // ProofManager messages, each taking its caller
    // ---------------------------------------------------------------------------------------

    pub fn update_proving_network_address(
        &mut self,
        caller: AccountId,
        network: ProvingNetwork,
        address: AccountId,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .update_proving_network_address(network, address);
        self.call(caller, message)
    }

    pub fn update_proving_network_status(
        &mut self,
        caller: AccountId,
        network: ProvingNetwork,
        status: ProvingNetworkStatus,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .update_proving_network_status(network, status);
        self.call(caller, message)
    }

    pub fn update_preferred_proving_network(
        &mut self,
        caller: AccountId,
        network: Option<ProvingNetwork>,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .update_preferred_proving_network(network);
        self.call(caller, message)
    }

    pub fn withdraw(
        &mut self,
        caller: AccountId,
        token: AccountId,
        amount: u128,
    ) -> Result<(), Error> {
        let message = self.manager_calls().withdraw(token, amount);
        self.call(caller, message)
    }

    pub fn set_submitter(&mut self, caller: AccountId, new: AccountId) -> Result<(), Error> {
        let message = self.manager_calls().set_submitter(new);
        self.call(caller, message)
    }

    pub fn transfer_admin(&mut self, caller: AccountId, new: AccountId) -> Result<(), Error> {
        let message = self.manager_calls().transfer_admin(new);
        self.call(caller, message)
    }

    pub fn accept_admin(&mut self, caller: AccountId) -> Result<(), Error> {
        let message = self.manager_calls().accept_admin();
        self.call(caller, message)
    }

    pub fn set_code(&mut self, caller: AccountId, code_hash: Hash) -> Result<(), Error> {
        let message = self.manager_calls().set_code(code_hash);
        self.call(caller, message)
    }

    pub fn submit_proof_request(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        params: &ProofRequestParams,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .submit_proof_request(id, params.clone());
        self.call(caller, message)
    }

    pub fn submit_proof_validation_result(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        is_proof_valid: bool,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .submit_proof_validation_result(id, is_proof_valid);
        self.call(caller, message)
    }

    pub fn mark_unacknowledged(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
    ) -> Result<(), Error> {
        let message = self.manager_calls().mark_unacknowledged(id);
        self.call(caller, message)
    }

    pub fn mark_timed_out(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
    ) -> Result<(), Error> {
        let message = self.manager_calls().mark_timed_out(id);
        self.call(caller, message)
    }

    pub fn acknowledge_proof_request(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        accept: bool,
    ) -> Result<(), Error> {
        let message = self.manager_calls().acknowledge_proof_request(id, accept);
        self.call(caller, message)
    }

    pub fn submit_proof(
        &mut self,
        caller: AccountId,
        id: ProofRequestIdentifier,
        proof: &[u8],
        requested_reward: u128,
    ) -> Result<(), Error> {
        let message = self
            .manager_calls()
            .submit_proof(id, proof.to_vec(), requested_reward);
        self.call(caller, message)
    }

    pub fn claim_reward(&mut self, caller: AccountId) -> Result<u128, Error> {
        let message = self.manager_calls().claim_reward();
        self.call(caller, message)
    }

    // ---------------------------------------------------------------------------------------
    // ProofManager views
    // ---------------------------------------------------------------------------------------

    pub fn proof_request(&mut self, id: ProofRequestIdentifier) -> Option<ProofRequest> {
        let message = self.manager_calls().proof_request(id);
        self.query(message)
    }

    /// The effective status of an existing request.
    pub fn status(&mut self, id: ProofRequestIdentifier) -> ProofRequestStatus {
        self.proof_request(id)
            .unwrap_or_else(|| panic!("no request {id:?}"))
            .status
    }

    pub fn proving_network_info(&mut self, network: ProvingNetwork) -> ProvingNetworkInfo {
        let message = self.manager_calls().proving_network_info(network);
        self.query(message)
    }

    pub fn preferred_proving_network(&mut self) -> Option<ProvingNetwork> {
        let message = self.manager_calls().preferred_proving_network();
        self.query(message)
    }

    pub fn admin(&mut self) -> AccountId {
        let message = self.manager_calls().admin();
        self.query(message)
    }

    pub fn pending_admin(&mut self) -> Option<AccountId> {
        let message = self.manager_calls().pending_admin();
        self.query(message)
    }

    pub fn submitter(&mut self) -> AccountId {
        let message = self.manager_calls().submitter();
        self.query(message)
    }

    pub fn usdc(&mut self) -> AccountId {
        let message = self.manager_calls().usdc();
        self.query(message)
    }

    pub fn request_counter(&mut self) -> u64 {
        let message = self.manager_calls().request_counter();
        self.query(message)
    }

    pub fn in_flight(&mut self) -> u64 {
        let message = self.manager_calls().in_flight();
        self.query(message)
    }

    pub fn obligations(&mut self) -> u128 {
        let message = self.manager_calls().obligations();
        self.query(message)
    }
}

//! Runs one full ProofManager lifecycle on drink's embedded chain and prints it as a timeline:
//! per call its actor, the request's resulting status, the events it emitted and what it cost
//! (ref_time, proof_size, storage deposit), then the final token balances and network info.
//!
//! Request 1 goes to Fermah and ends Paid, request 2 to Lagrange which refuses it, request 3 to
//! Fermah (preferred) which commits and then lets it time out.
//!
//! The release bundles must be built first (`scripts/build.sh`); then
//! `cargo run -p proof_manager_e2e --release --bin demo`, or just `scripts/demo.sh`.

use proof_manager_e2e::*;
use ProofRequestStatus::*;

/// The reward Fermah asks for request 1: below `MAX_REWARD`, to show the cap is not the price.
const REWARD: u128 = 4 * TOKEN;

/// Any `Err` ends the demo: a lifecycle that does not run as scripted is a bug to see at once.
fn ok<T>(step: &str, result: Result<T, Error>) -> T {
    proof_manager_e2e::ok("demo", step, result)
}

fn fail(reason: String) -> ! {
    proof_manager_e2e::fail("demo", &reason)
}

/// The table's name for the accounts the demo knows.
fn who(chain: &Chain, id: AccountId) -> &'static str {
    match id {
        ADMIN => "admin",
        SUBMITTER => "submitter",
        FERMAH => "fermah",
        LAGRANGE => "lagrange",
        _ if id == chain.manager => "manager",
        _ => "other",
    }
}

/// The event's type name; token transfers also show amount and parties.
fn describe(chain: &Chain, event: &EmittedEvent) -> String {
    if event.contract == chain.token {
        let Some(t) = event.decode::<psp22::Transfer>() else {
            return "token event".into();
        };
        let from = t.from.map_or("mint", |id| who(chain, id));
        let to = t.to.map_or("burn", |id| who(chain, id));
        return format!("Transfer({} {from}->{to})", tokens(t.value));
    }
    match ManagerEvent::decode(&event.topics, &event.data) {
        Ok(decoded) => decoded.name().into(),
        Err(error) => format!("undecodable event ({error})"),
    }
}

/// One line of the table; the header uses it too so the columns line up.
fn print_row(cells: [&str; 9]) {
    let [step, time, actor, message, status, ref_time, proof_size, deposit, events] = cells;
    println!(
        "{step:>2}  {time:>10}  {actor:<9}  {message:<40}  {status:<22}  \
         {ref_time:>13}  {proof_size:>10}  {deposit:>8}  {events}"
    );
}

/// The calls the demo makes.
enum Act {
    Fund(u128),
    Prefer(ProvingNetwork),
    Submit(u64),
    Acknowledge(u64, bool),
    Prove(u64, u128),
    Validate(u64, bool),
    Claim,
    MarkTimedOut(u64),
}
use Act::*;

/// Which request a row reads the status of, and the status it must read.
type Expect = Option<(u64, ProofRequestStatus)>;

struct Demo {
    chain: Chain,
    step: usize,
}

impl Demo {
    /// Makes one call as `actor`, checks it succeeded and that the request then reads `expected`,
    /// prints its row. Returns what `claim_reward` paid, else 0.
    fn run(&mut self, actor: AccountId, act: Act, expected: Expect) -> u128 {
        let (c, mut paid) = (&mut self.chain, 0);
        let (message, result) = match act {
            Fund(amount) => {
                c.fund(amount);
                (format!("psp22 mint(manager, {})", tokens(amount)), Ok(()))
            }
            Prefer(network) => (
                format!("update_preferred_proving_network({network:?})"),
                c.update_preferred_proving_network(actor, Some(network)),
            ),
            Submit(n) => (
                format!("submit_proof_request({n})"),
                c.submit_proof_request(actor, request(n), &default_params()),
            ),
            Acknowledge(n, accept) => (
                format!("acknowledge_proof_request({n}, {accept})"),
                c.acknowledge_proof_request(actor, request(n), accept),
            ),
            Prove(n, reward) => (
                format!("submit_proof({n}, 64 B, {})", tokens(reward)),
                c.submit_proof(actor, request(n), &proof_of(64), reward),
            ),
            Validate(n, valid) => (
                format!("submit_proof_validation_result({n}, {valid})"),
                c.submit_proof_validation_result(actor, request(n), valid),
            ),
            Claim => {
                let claimed = c.claim_reward(actor).map(|amount| paid = amount);
                ("claim_reward()".into(), claimed)
            }
            MarkTimedOut(n) => (
                format!("mark_timed_out({n})"),
                c.mark_timed_out(actor, request(n)),
            ),
        };
        ok(&message, result);
        // Cost and events first, so that the status query below cannot shadow them.
        let chain = &self.chain;
        let events = chain.last_events().iter().map(|e| describe(chain, e));
        let events = events.collect::<Vec<_>>().join(", ");
        let stats = chain.last_stats();
        let [r, p] = [stats.ref_time, stats.proof_size].map(|v| grouped(v.into()));
        let d = grouped(stats.storage_deposit);
        let status = self.check_status(&message, expected);
        let actor = who(&self.chain, actor);
        self.print(actor, &message, &status, [r, p, d, events]);
        paid
    }

    /// `tail` is ref_time, proof_size, storage deposit and events; empty cells print as "-".
    fn print(&mut self, actor: &str, message: &str, status: &str, tail: [String; 4]) {
        self.step += 1;
        let now = self.chain.now() - GENESIS_TIME;
        let time = format!("+{}.{:03}s", now / 1000, now % 1000);
        let tail = tail.map(|cell| if cell.is_empty() { "-".into() } else { cell });
        let [r, p, d, e] = tail.each_ref().map(String::as_str);
        let step = self.step.to_string();
        print_row([&step, &time, actor, message, status, r, p, d, e]);
    }

    fn check_status(&mut self, step: &str, expected: Expect) -> String {
        let Some((n, expected)) = expected else {
            return "-".into();
        };
        let status = self.chain.proof_request(request(n)).map(|r| r.status);
        if status != Some(expected) {
            fail(format!(
                "{step}: request {n} is {status:?}, not {expected:?}"
            ));
        }
        format!("{expected:?}")
    }

    /// A new request must go to `network`, or the round robin is not what the demo shows.
    fn expect_assignee(&mut self, n: u64, network: ProvingNetwork) {
        let request = self.chain.proof_request(request(n));
        let assigned = request.and_then(|r| r.assigned_to);
        if assigned != Some(network) {
            fail(format!("request {n} went to {assigned:?}, not {network:?}"));
        }
    }
}

fn main() {
    let chain = Chain::new();
    let mut demo = Demo { chain, step: 0 };
    let (fermah, lagrange) = (ProvingNetwork::Fermah, ProvingNetwork::Lagrange);
    let header = "# time actor message status ref_time proof_size deposit events";
    let header: Vec<&str> = header.split(' ').collect();
    print_row(std::array::from_fn(|i| header[i]));

    demo.run(ADMIN, Fund(100 * TOKEN), None);
    demo.run(ADMIN, Prefer(fermah), None);

    // Request 1: the happy path, Fermah proves, gets validated and is paid.
    demo.run(SUBMITTER, Submit(1), Some((1, PendingAcknowledgement)));
    demo.expect_assignee(1, fermah);
    demo.run(FERMAH, Acknowledge(1, true), Some((1, Committed)));
    demo.run(FERMAH, Prove(1, REWARD), Some((1, Proven)));
    demo.run(SUBMITTER, Validate(1, true), Some((1, Validated)));
    let paid = demo.run(FERMAH, Claim, Some((1, Paid)));
    if paid != REWARD {
        fail(format!("claim_reward paid {}, not 4 tokens", tokens(paid)));
    }

    // Request 2: Lagrange's turn in the round robin, and it declines.
    demo.run(SUBMITTER, Submit(2), Some((2, PendingAcknowledgement)));
    demo.expect_assignee(2, lagrange);
    demo.run(LAGRANGE, Acknowledge(2, false), Some((2, Refused)));

    // Request 3: the preferred network's turn; Fermah commits but never proves.
    demo.run(SUBMITTER, Submit(3), Some((3, PendingAcknowledgement)));
    demo.expect_assignee(3, fermah);
    demo.run(FERMAH, Acknowledge(3, true), Some((3, Committed)));

    // A deadline has passed once now > deadline, so land 1 ms after it.
    let Some(stored) = demo.chain.proof_request(request(3)) else {
        fail("request 3 is not stored".into());
    };
    let deadline = stored.submitted_at + stored.timeout_after;
    let now = demo.chain.now();
    demo.chain.advance(deadline + 1 - now);
    let status = demo.check_status("advancing time", Some((3, TimedOut)));
    let message = "(time passes request 3's deadline)";
    demo.print("-", message, &status, Default::default());
    demo.run(SUBMITTER, MarkTimedOut(3), Some((3, TimedOut)));

    println!("\nToken balances:");
    let manager = demo.chain.manager;
    for id in [manager, FERMAH, LAGRANGE, ADMIN] {
        let (name, balance) = (who(&demo.chain, id), demo.chain.token_balance(id));
        println!("  {name:<9} {:>14}", tokens(balance));
    }
    println!("\nProving networks:");
    for network in ProvingNetwork::ALL {
        let info = demo.chain.proving_network_info(network);
        let address = who(&demo.chain, info.address);
        let (network, status) = (format!("{network:?}"), format!("{:?}", info.status));
        let owed = tokens(info.owed_reward);
        println!("  {network:<9} address={address}  status={status}  owed={owed}");
    }
    let obligations = tokens(demo.chain.obligations());
    let in_flight = demo.chain.in_flight();
    println!("\nin_flight={in_flight}  obligations={obligations}");
}

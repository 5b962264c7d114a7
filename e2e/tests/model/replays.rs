//! Known sequences run through the same comparison: a lifecycle of every kind of step, upgrades
//! with requests in flight, claims over the cap, and the failures the random sequences found,
//! kept as they shrank.

use super::*;

/// Runs a kept failure: it must now match the model and keep every invariant. Returns whether
/// each step's call was accepted.
fn replay(ops: &[Op]) -> Vec<bool> {
    Fixture::new()
        .run(ops)
        .unwrap_or_else(|error| panic!("{error}"))
}

/// A lifecycle of every kind of step passes the comparison, each step accepted or refused as
/// scripted, so the driver is checked on a known path: fund, submit, commit, prove, validate,
/// claim, expire, withdraw, a refused submission by the replaced submitter.
#[test]
fn known_lifecycle_matches_the_model() {
    let accepted = replay(&[
        Op::Mint(ACTORS.len(), 100 * TOKEN),
        Op::UpdatePreferred(Who::Right, Some(ProvingNetwork::Lagrange)),
        Op::Submit(Who::Right, Id::Pool(0), params(3_600_000)),
        Op::Submit(Who::Right, Id::Pool(1), params(3_600_000)),
        Op::Submit(Who::Right, Id::Pool(2), params(3_600_000)),
        Op::Acknowledge(Who::Right, Id::Pool(0), true),
        Op::Prove(Who::Right, Id::Pool(0), 32, Reward::Max(0)),
        Op::Validate(Who::Right, Id::Pool(0), true),
        Op::Claim(Who::Right, ProvingNetwork::Fermah),
        Op::Acknowledge(Who::Right, Id::Pool(1), false),
        Op::Time(Time::Deadline {
            nth: 2,
            proving: false,
            offset: 1,
        }),
        Op::MarkUnacknowledged(Who::Right, Id::Pool(2)),
        Op::Withdraw(
            Who::Right,
            Asset::Payment,
            Amount::Free {
                reserved: false,
                offset: 0,
            },
        ),
        Op::SetSubmitter(Who::Right, Address::Actor(4)),
        Op::Submit(Who::Actor(1), Id::Pool(3), params(3_600_000)),
    ]);
    let mut expected = vec![true; 14];
    expected.push(false);
    assert_eq!(accepted, expected);
}

/// `set_code` to the second build and back with requests pending, committed and proven: each
/// goes on to its end on the new code exactly as the model says.
#[test]
fn upgrades_with_requests_in_flight_match_the_model() {
    let accepted = replay(&[
        Op::Mint(ACTORS.len(), 100 * TOKEN),
        Op::UpdatePreferred(Who::Right, Some(ProvingNetwork::Fermah)),
        Op::Submit(Who::Right, Id::Pool(0), params(3_600_000)),
        Op::Submit(Who::Right, Id::Pool(1), params(3_600_000)),
        Op::Submit(Who::Right, Id::Pool(2), params(3_600_000)),
        Op::Acknowledge(Who::Right, Id::Pool(1), true),
        Op::Acknowledge(Who::Right, Id::Pool(2), true),
        Op::Prove(Who::Right, Id::Pool(2), 32, Reward::Max(0)),
        Op::SetCode(Who::Right, Code::Other),
        Op::Acknowledge(Who::Right, Id::Pool(0), true),
        Op::Prove(Who::Right, Id::Pool(1), 32, Reward::Max(0)),
        Op::Validate(Who::Right, Id::Pool(2), true),
        Op::SetCode(Who::Right, Code::Other),
        Op::Prove(Who::Right, Id::Pool(0), 32, Reward::Max(0)),
        Op::Validate(Who::Right, Id::Pool(1), false),
        Op::Validate(Who::Right, Id::Pool(0), true),
        Op::Claim(Who::Right, ProvingNetwork::Fermah),
        Op::SetCode(Who::Right, Code::Unknown),
    ]);
    let mut expected = vec![true; 17];
    expected.push(false);
    assert_eq!(accepted, expected);
}

/// A network owed more than `MAX_CLAIM` is paid in several claims, each of whole requests up to
/// the cap, exactly as the model settles them: 5,001 validated max-reward requests (25,005
/// tokens), claimed three times. Steps between claims compare their replies; every claim and
/// every 500th step compare the whole state, and every request is compared at the end.
#[test]
fn claims_over_the_cap_match_the_model() {
    let validated = (MAX_CLAIM / MAX_REWARD + 1) as usize;
    let mut ops = vec![
        Op::Mint(ACTORS.len(), 30_000 * TOKEN),
        Op::UpdateStatus(
            Who::Right,
            ProvingNetwork::Lagrange,
            ProvingNetworkStatus::Inactive,
        ),
        Op::UpdatePreferred(Who::Right, Some(ProvingNetwork::Fermah)),
    ];
    let (mut counter, mut fermah) = (0u64, 0usize);
    while fermah < validated {
        ops.push(Op::Submit(Who::Right, Id::Fresh, params(3_600_000)));
        // Counter 1 of every 4 goes to Lagrange, inactive: Refused at once.
        if counter % 4 != 1 {
            ops.extend([
                Op::Acknowledge(Who::Right, Id::Live(0), true),
                Op::Prove(Who::Right, Id::Live(0), 1, Reward::Max(0)),
                Op::Validate(Who::Right, Id::Live(0), true),
            ]);
            fermah += 1;
        }
        counter += 1;
    }
    for _ in 0..3 {
        ops.push(Op::Claim(Who::Right, ProvingNetwork::Fermah));
    }
    let accepted = Fixture::new()
        .run_with(&ops, 500, usize::MAX)
        .unwrap_or_else(|error| panic!("{error}"));
    let claims = &accepted[accepted.len() - 3..];
    assert_eq!(
        claims,
        [true, true, false],
        "25,000, then 5, then NoPaymentDue"
    );
    assert!(accepted[..accepted.len() - 3].iter().all(|ok| *ok));
}

/// Valid submission parameters with proving window `timeout_after`.
fn params(timeout_after: u64) -> model::Params {
    model::Params {
        version: (0, 27, 0),
        url_len: 24,
        timeout_after,
        max_reward: MAX_REWARD,
    }
}

// ----------------------------------------------------------------------------------------
// Failures the random sequences found, kept as they shrank.
// ----------------------------------------------------------------------------------------

/// Withdrawing "the token" at the manager's own address is refused with `TokenCallFailed`
/// instead of trapping on pallet-contracts' reentrancy refusal.
#[test]
fn withdrawing_the_manager_itself_is_a_typed_error() {
    replay(&[Op::Withdraw(
        Who::Right,
        Asset::Manager,
        Amount::Free {
            reserved: false,
            offset: -1,
        },
    )]);
}

/// Withdrawals leave `MAX_REWARD` per in-flight request: a network that committed before a
/// withdrawal and proves after it is still covered, so the balance never falls below the
/// obligations.
#[test]
fn withdrawal_keeps_the_reservations_of_committed_requests() {
    replay(&[
        Op::Mint(ACTORS.len(), 10 * TOKEN),
        Op::Submit(Who::Right, Id::Pool(0), params(3_600_000)),
        Op::Acknowledge(Who::Right, Id::Pool(0), true),
        Op::Withdraw(
            Who::Right,
            Asset::Payment,
            Amount::Free {
                reserved: false,
                offset: 0,
            },
        ),
        Op::Prove(Who::Right, Id::Pool(0), 32, Reward::Max(0)),
    ]);
}

//! The submissions of one signed extrinsic: what each answer means, and when the same bytes
//! go to the node again. A call's nonce is its place in the account's queue: one the pool
//! turned away or never heard of holds every later nonce of the step in the node's future
//! queue, so it is submitted again at once (the same bytes, so the same nonce: it can execute
//! once at most) rather than left for a later step.

/// What one submission of the bytes gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Attempt<W> {
    /// An answer no resubmission changes: in a block, failed in it, refused as invalid, or
    /// accepted and then lost from sight.
    Final(W),
    /// The node refused it for a reason that may pass on another try.
    Refused(String),
    /// The pool took it and later dropped it, or turned it away (its priority too low, the
    /// pool full): the same bytes may be taken next time.
    TurnedAway(String),
    /// The node already holds these bytes in its pool: they may still execute.
    AlreadyPooled,
    /// No answer to the submission in time, or the connection failed while submitting: the
    /// node may or may not have it.
    Unanswered(String),
}

/// How a submission ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Ended<W> {
    Final(W),
    /// Known not to be in the node: it changed nothing.
    NotExecuted(String),
    /// It may be in the pool or in a block, or never have reached the node.
    Unknown(String),
    /// The node holds it in its pool: it may still execute, and the extrinsics after it in
    /// nonce order with it.
    Pooled,
}

/// The submissions of one extrinsic so far.
#[derive(Debug, Default)]
pub(super) struct Submissions {
    tries: u32,
    /// Why an earlier submission's fate is unknown.
    unanswered: Option<String>,
}

/// Submissions of the same bytes before their fate is settled: a drop rate of 10% leaves one
/// extrinsic in a thousand unsent, not one in ten.
pub(super) const MAX_SUBMISSIONS: u32 = 3;

impl Submissions {
    /// Takes the answer to one submission: how the extrinsic ended, or `None` to submit the
    /// same bytes again. Once a submission went unanswered, a later refusal no longer proves
    /// that nothing executed (the unanswered one may be in a block, which is why the node now
    /// calls the nonce stale), so the end is unknown.
    pub(super) fn after<W>(&mut self, attempt: Attempt<W>) -> Option<Ended<W>> {
        self.tries += 1;
        let last = self.tries >= MAX_SUBMISSIONS;
        let refused = |this: &Self, reason: String| match &this.unanswered {
            Some(earlier) => Ended::Unknown(format!(
                "an earlier submission went unanswered ({earlier}), then: {reason}"
            )),
            None => Ended::NotExecuted(reason),
        };
        match attempt {
            Attempt::Final(waited) => Some(Ended::Final(waited)),
            Attempt::AlreadyPooled => Some(Ended::Pooled),
            Attempt::Refused(reason) => Some(refused(self, reason)),
            Attempt::TurnedAway(reason) if last => Some(refused(self, reason)),
            Attempt::TurnedAway(_) => None,
            Attempt::Unanswered(reason) if last => Some(Ended::Unknown(format!(
                "{} submissions, the last unanswered: {reason}",
                self.tries
            ))),
            Attempt::Unanswered(reason) => {
                self.unanswered = Some(reason);
                None
            }
        }
    }

    /// How many times the bytes were submitted.
    pub(super) fn tries(&self) -> u32 {
        self.tries
    }
}

/// What a JSON-RPC error code of `author_submitAndWatchExtrinsic` says (sc-rpc-api's author
/// errors: 1000 + the pool's error).
pub(super) fn of_pool_error<W>(code: i32, reason: String) -> Attempt<W> {
    match code {
        // Already imported: these very bytes wait in the pool.
        1013 => Attempt::AlreadyPooled,
        // Too low priority (another extrinsic holds the nonce), immediately dropped (the pool
        // is full).
        1014 | 1016 => Attempt::TurnedAway(reason),
        // Invalid (a stale nonce, a bad signature, cannot pay), temporarily banned, and the
        // rest: the same bytes get the same answer.
        _ => Attempt::Refused(reason),
    }
}

/// Whether the node's refusal is of the connection, not of the extrinsic: a node serves a
/// bounded number of subscriptions per connection (1,024 by default, and each submission
/// watched is one); subscriptions it still counts for extrinsics the agent stopped watching
/// are freed only with the connection.
pub(super) fn spends_the_connection(reason: &str) -> bool {
    reason.contains("Too many subscriptions on the connection")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(answers: Vec<Attempt<&'static str>>) -> (Vec<Option<Ended<&'static str>>>, u32) {
        let mut submissions = Submissions::default();
        let ends = answers.into_iter().map(|a| submissions.after(a)).collect();
        (ends, submissions.tries())
    }

    #[test]
    fn a_submission_the_pool_turned_away_goes_again_and_can_still_be_included() {
        let (ends, tries) = run(vec![
            Attempt::TurnedAway("priority too low".into()),
            Attempt::Final("in block 7"),
        ]);
        assert_eq!(ends, vec![None, Some(Ended::Final("in block 7"))]);
        assert_eq!(tries, 2);
    }

    #[test]
    fn an_unanswered_submission_goes_again_and_a_later_refusal_is_of_unknown_fate() {
        let (ends, _) = run(vec![
            Attempt::Unanswered("no answer in 6 s".into()),
            Attempt::Refused("Invalid Transaction: outdated".into()),
        ]);
        assert_eq!(ends[0], None);
        match &ends[1] {
            Some(Ended::Unknown(reason)) => {
                assert!(reason.contains("no answer in 6 s"), "{reason}");
                assert!(reason.contains("outdated"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        let (ends, _) = run(vec![
            Attempt::Unanswered("no answer".into()),
            Attempt::TurnedAway("dropped".into()),
            Attempt::TurnedAway("dropped".into()),
        ]);
        assert!(matches!(ends[2], Some(Ended::Unknown(_))), "{ends:?}");
    }

    #[test]
    fn turned_away_every_time_is_not_executed_after_the_last_submission() {
        let (ends, tries) = run(vec![
            Attempt::TurnedAway("a".into()),
            Attempt::TurnedAway("b".into()),
            Attempt::TurnedAway("c".into()),
        ]);
        assert_eq!(ends, vec![None, None, Some(Ended::NotExecuted("c".into()))]);
        assert_eq!(tries, MAX_SUBMISSIONS);
    }

    #[test]
    fn unanswered_every_time_is_of_unknown_fate_after_the_last_submission() {
        let (ends, _) = run(vec![
            Attempt::Unanswered("a".into()),
            Attempt::Unanswered("b".into()),
            Attempt::Unanswered("c".into()),
        ]);
        assert_eq!(ends[..2], [None, None]);
        assert!(matches!(&ends[2], Some(Ended::Unknown(r)) if r.contains("3 submissions")));
    }

    #[test]
    fn a_refusal_of_a_first_submission_is_final_and_not_executed() {
        let (ends, tries) = run(vec![Attempt::Refused("bad signature".into())]);
        assert_eq!(ends, vec![Some(Ended::NotExecuted("bad signature".into()))]);
        assert_eq!(tries, 1);
    }

    #[test]
    fn bytes_already_in_the_pool_are_of_unknown_fate_not_refused() {
        let (ends, _) = run(vec![
            Attempt::Unanswered("no answer".into()),
            Attempt::<&str>::AlreadyPooled,
        ]);
        assert_eq!(ends, vec![None, Some(Ended::Pooled)]);
        assert!(matches!(
            of_pool_error::<()>(1013, "already imported".into()),
            Attempt::AlreadyPooled
        ));
        assert!(matches!(
            of_pool_error::<()>(1014, "priority too low".into()),
            Attempt::TurnedAway(_)
        ));
        assert!(matches!(
            of_pool_error::<()>(1016, "immediately dropped".into()),
            Attempt::TurnedAway(_)
        ));
        for code in [1010, 1012, -32602] {
            assert!(matches!(
                of_pool_error::<()>(code, "no".into()),
                Attempt::Refused(_)
            ));
        }
    }

    #[test]
    fn the_subscription_limit_of_a_connection_is_told_from_a_refused_extrinsic() {
        // What the node's RPC server answers past --rpc-max-subscriptions-per-connection.
        assert!(spends_the_connection(
            "the node refused it (Too many subscriptions on the connection: \"Exceeded max \
             limit of 1024\")"
        ));
        assert!(!spends_the_connection(
            "the node refused it (Invalid Transaction: Transaction is outdated)"
        ));
    }
}

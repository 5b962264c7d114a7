//! Runtimes and their metadata: a block's `System::Events` is encoded with the types of the
//! runtime that executed the block, and a runtime upgrade changes them, so each block is decoded
//! with its own runtime's metadata, fetched once per spec version.
//!
//! The runtime that executed block N is the one in its parent's state: `state_getRuntimeVersion`
//! at block N already answers with the runtime an upgrade in block N installed, which only block
//! N + 1 runs.

use std::collections::HashMap;

use subxt::backend::legacy::LegacyRpcMethods;
use subxt::backend::RuntimeVersion;
use subxt::Metadata;

use crate::node::{block_error, Config, Hash, NodeError};

/// A runtime as the node reports it in one block's state: the runtime that executes that
/// block's children, so the one a transaction built on that block is encoded for, and the one
/// whose types the children's events have.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// `spec_version` and `transaction_version`, as `OnlineClient::set_runtime_version` takes
    /// them.
    pub version: RuntimeVersion,
    /// The runtime's metadata, as `OnlineClient::set_metadata` takes it.
    pub metadata: Metadata,
}

/// Metadata that decoded, or why it did not.
pub(crate) type Decoder = Result<Metadata, String>;

/// Metadata by spec version, as far as fetched. Metadata that does not decode is kept as its
/// reason, so that it is fetched once, not for every block of its runtime.
#[derive(Default)]
pub(crate) struct MetadataCache {
    by_spec: HashMap<u32, Decoder>,
}

/// The runtime version in the state of block `number`, whose hash is `hash`.
pub(crate) async fn version_at(
    rpc: &LegacyRpcMethods<Config>,
    number: u64,
    hash: Hash,
) -> Result<RuntimeVersion, NodeError> {
    let version = rpc
        .state_get_runtime_version(Some(hash))
        .await
        .map_err(|e| block_error(number, e))?;
    Ok(RuntimeVersion {
        spec_version: version.spec_version,
        transaction_version: version.transaction_version,
    })
}

/// The metadata in the state of block `number`: `Err` when the node answers but its metadata
/// does not decode, a `NodeError` when it cannot be asked.
async fn metadata_at(
    rpc: &LegacyRpcMethods<Config>,
    number: u64,
    hash: Hash,
) -> Result<Decoder, NodeError> {
    match rpc.state_get_metadata(Some(hash)).await {
        Ok(metadata) => Ok(Ok(metadata)),
        Err(error) => match block_error(number, error) {
            NodeError::Undecodable { reason, .. } => Ok(Err(reason)),
            other => Err(other),
        },
    }
}

impl MetadataCache {
    /// The metadata of spec version `spec`, fetched at block `number` (`hash`) if not yet known.
    async fn get(
        &mut self,
        rpc: &LegacyRpcMethods<Config>,
        spec: u32,
        number: u64,
        hash: Hash,
    ) -> Result<Decoder, NodeError> {
        if let Some(known) = self.by_spec.get(&spec) {
            return Ok(known.clone());
        }
        let fetched = metadata_at(rpc, number, hash).await?;
        self.by_spec.insert(spec, fetched.clone());
        Ok(fetched)
    }

    /// The runtime in the state of block `number` (`hash`).
    pub(crate) async fn runtime_at(
        &mut self,
        rpc: &LegacyRpcMethods<Config>,
        number: u64,
        hash: Hash,
    ) -> Result<Runtime, NodeError> {
        let version = version_at(rpc, number, hash).await?;
        let metadata = self
            .get(rpc, version.spec_version, number, hash)
            .await?
            .map_err(|reason| NodeError::Undecodable {
                what: format!("the metadata at block {number}"),
                reason,
            })?;
        Ok(Runtime { version, metadata })
    }

    /// The metadata to decode each block's events with, given each block's parent (number and
    /// hash; genesis stands for its own parent). Spec versions only grow, so when the first
    /// and the last parent run the same spec version, every parent between does: two calls
    /// per batch, and one per block only in a batch with an upgrade.
    pub(crate) async fn for_blocks(
        &mut self,
        rpc: &LegacyRpcMethods<Config>,
        parents: &[(u64, Hash)],
    ) -> Result<Vec<Decoder>, NodeError> {
        let (Some(&(first, first_hash)), Some(&(last, last_hash))) =
            (parents.first(), parents.last())
        else {
            return Ok(Vec::new());
        };
        let (low, high) = futures::try_join!(
            version_at(rpc, first, first_hash),
            version_at(rpc, last, last_hash)
        )?;
        let specs: Vec<u32> = if low.spec_version == high.spec_version {
            vec![low.spec_version; parents.len()]
        } else {
            futures::future::try_join_all(parents.iter().map(|&(n, h)| version_at(rpc, n, h)))
                .await?
                .into_iter()
                .map(|v| v.spec_version)
                .collect()
        };
        let mut decoders = Vec::with_capacity(specs.len());
        for (&spec, &(number, hash)) in specs.iter().zip(parents) {
            decoders.push(self.get(rpc, spec, number, hash).await?);
        }
        Ok(decoders)
    }
}

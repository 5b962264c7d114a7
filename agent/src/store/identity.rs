//! Which chain a state file belongs to: the genesis hash, the contract's code hash (followed
//! across `set_code`), and the hash of the cursor's block. A development chain started afresh
//! has the same genesis and can give the contract the same address; the block at the cursor is
//! what differs, so all three are compared when an agent opens its state file.

use super::{Store, StoreError};

/// What a chain says about itself when an agent opens its state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainIdentity {
    pub genesis: [u8; 32],
    /// The contract's code hash at the state file's cursor block (or now, for a new file).
    pub code_hash: [u8; 32],
    /// The chain's hash of the block at the state file's cursor: `None` when the chain has no
    /// such block.
    pub cursor_block_hash: Option<[u8; 32]>,
}

/// The chain a state file recorded: its genesis and the contract's code hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredChain {
    pub genesis: [u8; 32],
    pub code_hash: [u8; 32],
}

pub(super) fn parse_hash(text: &str) -> Result<[u8; 32], String> {
    let bytes = hex::decode(text).map_err(|e| format!("hash {text}: {e}"))?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| format!("hash {text}: not 32 bytes"))
}

fn hex32(hash: &[u8; 32]) -> String {
    format!("0x{}", hex::encode(hash))
}

impl Store {
    fn stored_hash(&self, key: &str) -> Result<Option<[u8; 32]>, StoreError> {
        match self.meta(key)? {
            Some(text) => Ok(Some(parse_hash(&text).map_err(|e| self.corrupt(e))?)),
            None => Ok(None),
        }
    }

    /// The genesis and code hash the file recorded, if it did (a file migrated from the layout
    /// before did not, until the agent's next start).
    pub fn chain(&self) -> Result<Option<StoredChain>, StoreError> {
        let stored = self
            .stored_hash("genesis")?
            .zip(self.stored_hash("code_hash")?);
        Ok(stored.map(|(genesis, code_hash)| StoredChain { genesis, code_hash }))
    }

    /// Compares the chain an agent is about to work on with the one its state file belongs to,
    /// and records it when the file has none yet.
    ///
    /// # Errors
    /// `OtherChain` when the genesis, the cursor's block or the contract's code differ: nothing
    /// is written.
    pub fn check_chain(&mut self, chain: &ChainIdentity) -> Result<(), StoreError> {
        let other = |reason: String| StoreError::OtherChain {
            path: self.path.clone(),
            reason,
        };
        if let Some(StoredChain { genesis, code_hash }) = self.chain()? {
            if genesis != chain.genesis {
                return Err(other(format!(
                    "its genesis is {}, this chain's is {}",
                    hex32(&genesis),
                    hex32(&chain.genesis)
                )));
            }
            if code_hash != chain.code_hash {
                return Err(other(format!(
                    "the contract's code there is {}, here {}",
                    hex32(&code_hash),
                    hex32(&chain.code_hash)
                )));
            }
        }
        if let Some(cursor) = self.cursor()? {
            if let Some(stored) = cursor.hash {
                match chain.cursor_block_hash {
                    Some(hash) if hash == stored => {}
                    Some(hash) => {
                        return Err(other(format!(
                            "its block {} is {}, this chain's is {}",
                            cursor.number,
                            hex32(&stored),
                            hex32(&hash)
                        )))
                    }
                    None => {
                        return Err(other(format!(
                            "it processed block {}, which this chain does not have",
                            cursor.number
                        )))
                    }
                }
            }
        }
        if self.chain()?.is_none() {
            self.write_meta(&[
                ("genesis", &hex::encode(chain.genesis)),
                ("code_hash", &hex::encode(chain.code_hash)),
            ])?;
        }
        Ok(())
    }
}

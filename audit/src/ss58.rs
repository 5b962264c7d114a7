//! SS58 addresses (the generic Substrate prefix 42), which `cargo contract` expects for
//! `--contract`.

use blake2::{Blake2b512, Digest};

const PREFIX: u8 = 42;

fn checksum(payload: &[u8]) -> [u8; 2] {
    let mut hasher = Blake2b512::new();
    hasher.update(b"SS58PRE");
    hasher.update(payload);
    let hash = hasher.finalize();
    [hash[0], hash[1]]
}

/// The account's SS58 address with prefix 42.
pub fn encode(account: &[u8; 32]) -> String {
    let mut bytes = Vec::with_capacity(35);
    bytes.push(PREFIX);
    bytes.extend_from_slice(account);
    let sum = checksum(&bytes);
    bytes.extend_from_slice(&sum);
    bs58::encode(bytes).into_string()
}

/// The account of an SS58 address with a one-byte prefix (any network's), checksum checked.
pub fn decode(address: &str) -> Result<[u8; 32], String> {
    let bytes = bs58::decode(address)
        .into_vec()
        .map_err(|e| format!("{address:?} is not base58: {e}"))?;
    if bytes.len() != 35 || bytes[0] >= 64 {
        return Err(format!(
            "{address:?} is not an SS58 account address (a one-byte prefix, 32 bytes, a 2-byte checksum)"
        ));
    }
    if checksum(&bytes[..33]) != bytes[33..] {
        return Err(format!("{address:?} has a wrong SS58 checksum"));
    }
    let mut account = [0; 32];
    account.copy_from_slice(&bytes[1..33]);
    Ok(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Alice's dev account, as every Substrate tool prints it.
    const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
    const ALICE_HEX: &str = "d43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";

    #[test]
    fn alice_round_trips() {
        let account: [u8; 32] = hex::decode(ALICE_HEX).unwrap().try_into().unwrap();
        assert_eq!(encode(&account), ALICE);
        assert_eq!(decode(ALICE), Ok(account));
    }

    #[test]
    fn a_changed_character_fails_the_checksum() {
        let tampered = ALICE.replacen('G', "H", 1);
        assert!(decode(&tampered).unwrap_err().contains("checksum"));
    }
}

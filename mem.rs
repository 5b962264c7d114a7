//! `memcpy`, `memmove`, `memset` and `memcmp` for the on-chain build, eight bytes at a time.
//!
//! ink_env links `rlibc`, whose versions move one byte per loop iteration: about 14 Wasm
//! instructions per byte, each charged by pallet-contracts (~2,500 ref_time per instruction).
//! Every call copies the root storage struct, the request record and the call's input and
//! output several times, so those loops cost ~100M ref_time per message and ~1.7 × 10^9 for the
//! longest proof (BENCHMARKS.md). Defining all four symbols here keeps the linker from pulling
//! `rlibc`'s object in; bulk-memory instructions are not an option, pallet-contracts rejects
//! them.
//!
//! LLVM does not turn the loops inside functions of these names into calls to them, and Wasm
//! loads and stores need no alignment.

#[no_mangle]
pub unsafe extern "C" fn memcpy(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    let mut i = 0;
    while n - i >= 8 {
        dest.add(i)
            .cast::<u64>()
            .write_unaligned(src.add(i).cast::<u64>().read_unaligned());
        i += 8;
    }
    while i < n {
        *dest.add(i) = *src.add(i);
        i += 1;
    }
    dest
}

/// Copies forward when `dest` is below `src` (each word is read before the bytes it overwrites
/// are needed) and backward otherwise.
#[no_mangle]
pub unsafe extern "C" fn memmove(dest: *mut u8, src: *const u8, n: usize) -> *mut u8 {
    if (dest as usize) <= (src as usize) {
        return memcpy(dest, src, n);
    }
    let mut i = n;
    while i >= 8 {
        i -= 8;
        dest.add(i)
            .cast::<u64>()
            .write_unaligned(src.add(i).cast::<u64>().read_unaligned());
    }
    while i > 0 {
        i -= 1;
        *dest.add(i) = *src.add(i);
    }
    dest
}

#[no_mangle]
pub unsafe extern "C" fn memset(dest: *mut u8, byte: i32, n: usize) -> *mut u8 {
    // C passes the byte as an int; only its low 8 bits count.
    let byte = byte.to_le_bytes()[0];
    let word = u64::from_le_bytes([byte; 8]);
    let mut i = 0;
    while n - i >= 8 {
        dest.add(i).cast::<u64>().write_unaligned(word);
        i += 8;
    }
    while i < n {
        *dest.add(i) = byte;
        i += 1;
    }
    dest
}

/// Skips equal words, then finds the first differing byte.
#[no_mangle]
pub unsafe extern "C" fn memcmp(a: *const u8, b: *const u8, n: usize) -> i32 {
    let mut i = 0;
    while n - i >= 8
        && a.add(i).cast::<u64>().read_unaligned() == b.add(i).cast::<u64>().read_unaligned()
    {
        i += 8;
    }
    while i < n {
        let (x, y) = (*a.add(i), *b.add(i));
        if x != y {
            return i32::from(x) - i32::from(y);
        }
        i += 1;
    }
    0
}

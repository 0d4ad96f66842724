//! Work split over this machine's threads, in order: what the compiler does on more than one core.
//!
//! The standard library's scoped threads, not a thread pool crate: the compiler has a handful of
//! places with independent work over a slice, each run once per generation, where spawning one
//! thread (tens of microseconds) is noise beside the work, and the result must be in the slice's
//! order so the output stays deterministic.

/// `f` over the two halves of `items` on two threads (the first half on a spawned one, the
/// second on this one), or over all of `items` at once on a one-core machine or when there is
/// nothing to split: the parts' results in `items`' order. A panic in `f` on either thread
/// resumes on this one.
pub(crate) fn in_halves<I: Sync, T: Send>(items: &[I], f: impl Fn(&[I]) -> T + Sync) -> Vec<T> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 2 || items.len() < 2 {
        return vec![f(items)];
    }
    let (first, second) = items.split_at(items.len().div_ceil(2));
    std::thread::scope(|scope| {
        let earlier = scope.spawn(|| f(first));
        let later = f(second);
        match earlier.join() {
            Ok(earlier) => vec![earlier, later],
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::in_halves;

    #[test]
    fn the_parts_cover_the_items_in_order() {
        for n in [0, 1, 2, 3, 10, 101] {
            let items: Vec<usize> = (0..n).collect();
            let parts = in_halves(&items, <[usize]>::to_vec);
            assert!(!parts.is_empty() && parts.len() <= 2);
            assert_eq!(parts.concat(), items);
        }
    }
}

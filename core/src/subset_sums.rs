//! Subset sums: which of some amounts are in a sum equal to a total, worked out exactly with
//! two bitset tables (the sums of the amounts before each, and of those after it), and one such
//! sum for each to show. The claims gate weighs a total without a payer with it
//! (`collection/rules/possible_payment/batch.rs`).

use rust_decimal::Decimal;

/// Most bits each of the two tables of subset sums of one total may keep (16 MB): items times
/// the amount in the items' common unit.
pub(crate) const MAX_BITS: u64 = 1 << 27;

/// Each amount in a sum of the total (its index), with one such sum (indices, ascending).
pub(crate) type InSums = Vec<(usize, Vec<usize>)>;

/// Which of `amounts` (each positive) are in some subset summing to `total`, each with one such
/// subset (indices, ascending), and whether that was worked out exactly: `None` when none is.
/// Over [`MAX_BITS`] every amount counts, with no subset shown, unless together they fall short
/// of the total.
#[cfg(test)]
pub(crate) fn covered(total: Decimal, amounts: &[Decimal]) -> Option<(InSums, bool)> {
    covered_within(total, amounts, MAX_BITS)
}

/// [`covered`], keeping at most `max_bits` per table (at most [`MAX_BITS`]): over that, every
/// amount counts. Time and memory go with the bits: a caller with many totals shares a budget.
pub(crate) fn covered_within(
    total: Decimal,
    amounts: &[Decimal],
    max_bits: u64,
) -> Option<(InSums, bool)> {
    let max_bits = max_bits.min(MAX_BITS);
    if amounts.is_empty() || amounts.iter().sum::<Decimal>() < total {
        return None;
    }
    let all = || Some(((0..amounts.len()).map(|j| (j, Vec::new())).collect(), false));
    // The amounts as whole numbers of their common unit: cents, or the unit of the finest.
    let scale = amounts
        .iter()
        .chain([&total])
        .map(|a| a.normalize().scale())
        .max()
        .unwrap_or(0);
    let units = |a: &Decimal| -> Option<u64> {
        let mut a = a.normalize();
        a.rescale(scale);
        u64::try_from(a.mantissa()).ok()
    };
    let (Some(total_units), Some(parts)) = (
        units(&total),
        amounts.iter().map(units).collect::<Option<Vec<u64>>>(),
    ) else {
        return all();
    };
    let g = parts.iter().fold(total_units, |g, &a| gcd(g, a));
    if total_units % g != 0 {
        return None;
    }
    let target = total_units / g;
    let parts: Vec<usize> = parts.iter().map(|a| (a / g) as usize).collect();
    if (parts.len() as u64).saturating_mul(target + 1) > max_bits {
        return all();
    }
    let (n, target) = (parts.len(), target as usize);
    let width = target + 1;
    // after[j]: the sums of parts j.. read from the target down (bit t set when target - t is
    // such a sum), so "part j completes a sum of those before it" is one shifted AND;
    // before[j]: the sums of the parts before j.
    let mut after = Vec::with_capacity(n + 1);
    let mut last = Bits::new(width);
    last.set(target);
    after.push(last);
    for &a in parts.iter().rev() {
        let next = after.last().expect("the empty sum's set is pushed first");
        let mut sums = next.clone();
        sums.or_shifted_down(next, a);
        after.push(sums);
    }
    after.reverse();
    let mut before = Vec::with_capacity(n + 1);
    let mut first = Bits::new(width);
    first.set(0);
    before.push(first);
    for &a in &parts {
        let prev = before.last().expect("the empty sum's set is pushed first");
        let mut sums = prev.clone();
        sums.or_shifted_up(prev, a);
        before.push(sums);
    }
    let mut out = Vec::new();
    for (j, &a) in parts.iter().enumerate() {
        let Some(t) = before[j].first_meeting_shifted_up(&after[j + 1], a) else {
            continue;
        };
        // A sum of the parts before j of t - a, and of those after it of the rest.
        let mut subset = vec![j];
        let mut s = t - a;
        for k in (0..j).rev() {
            if s > 0 && !before[k].get(s) {
                subset.push(k);
                s -= parts[k];
            }
        }
        let mut rest = target - t;
        for k in j + 1..n {
            if rest > 0 && !after[k + 1].get(target - rest) {
                subset.push(k);
                rest -= parts[k];
            }
        }
        subset.sort_unstable();
        out.push((j, subset));
    }
    (!out.is_empty()).then_some((out, true))
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// A fixed-width set of small numbers, one bit each.
#[derive(Clone)]
struct Bits {
    words: Vec<u64>,
    width: usize,
}

impl Bits {
    fn new(width: usize) -> Bits {
        Bits {
            words: vec![0; width.div_ceil(64)],
            width,
        }
    }

    fn set(&mut self, n: usize) {
        self.words[n / 64] |= 1 << (n % 64);
    }

    fn get(&self, n: usize) -> bool {
        self.words[n / 64] & (1 << (n % 64)) != 0
    }

    /// Word `w` of `src` with every bit moved up by `k` (bits from below zero are zero).
    fn word_up(src: &[u64], w: usize, k: usize) -> u64 {
        let (q, r) = (k / 64, k % 64);
        if w < q {
            return 0;
        }
        let hi = src[w - q] << r;
        let lo = if r > 0 && w > q {
            src[w - q - 1] >> (64 - r)
        } else {
            0
        };
        hi | lo
    }

    /// Word `w` of `src` with every bit moved down by `k`.
    fn word_down(src: &[u64], w: usize, k: usize) -> u64 {
        let (q, r) = (k / 64, k % 64);
        let get = |i: usize| src.get(i).copied().unwrap_or(0);
        let lo = get(w + q) >> r;
        let hi = if r > 0 { get(w + q + 1) << (64 - r) } else { 0 };
        lo | hi
    }

    /// Clears the bits at and above the width.
    fn trim(&mut self) {
        let extra = self.words.len() * 64 - self.width;
        if extra > 0 {
            if let Some(last) = self.words.last_mut() {
                *last &= u64::MAX >> extra;
            }
        }
    }

    /// Adds `src`'s numbers plus `k` (those within the width).
    fn or_shifted_up(&mut self, src: &Bits, k: usize) {
        for w in 0..self.words.len() {
            self.words[w] |= Bits::word_up(&src.words, w, k);
        }
        self.trim();
    }

    /// Adds `src`'s numbers less `k` (those not below zero).
    fn or_shifted_down(&mut self, src: &Bits, k: usize) {
        for w in 0..self.words.len() {
            self.words[w] |= Bits::word_down(&src.words, w, k);
        }
    }

    /// The smallest number of `other` that is a number of this set plus `k`.
    fn first_meeting_shifted_up(&self, other: &Bits, k: usize) -> Option<usize> {
        (0..other.words.len()).find_map(|w| {
            let both = Bits::word_up(&self.words, w, k) & other.words[w];
            (both != 0).then(|| w * 64 + both.trailing_zeros() as usize)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amounts(list: &[&str]) -> Vec<Decimal> {
        list.iter()
            .map(|a| Decimal::from_str_exact(a).unwrap())
            .collect()
    }

    fn total(a: &str) -> Decimal {
        Decimal::from_str_exact(a).unwrap()
    }

    /// Every subset, by brute force: the items in some subset summing to the total.
    fn brute(total: Decimal, amounts: &[Decimal]) -> Vec<usize> {
        let n = amounts.len();
        let mut out = vec![false; n];
        for mask in 1u32..(1 << n) {
            let sum: Decimal = (0..n)
                .filter(|j| mask & (1 << j) != 0)
                .map(|j| amounts[j])
                .sum();
            if sum == total {
                (0..n)
                    .filter(|j| mask & (1 << j) != 0)
                    .for_each(|j| out[j] = true);
            }
        }
        (0..n).filter(|&j| out[j]).collect()
    }

    #[test]
    fn the_items_of_a_collection_total_are_the_ones_in_a_sum_of_it() {
        // 60.50 + 60.50 + 121.00 = 242.00; 99.95 is in no sum of 242.00.
        let a = amounts(&["60.50", "99.95", "60.50", "121.00"]);
        let sum = vec![0, 2, 3];
        assert_eq!(
            covered(total("242.00"), &a),
            Some((vec![(0, sum.clone()), (2, sum.clone()), (3, sum)], true))
        );
        assert_eq!(covered(total("242.01"), &a), None);
        assert_eq!(covered(total("500.00"), &a), None, "more than all of them");
        assert_eq!(
            covered(total("60.5"), &a),
            Some((vec![(0, vec![0]), (2, vec![2])], true))
        );
    }

    #[test]
    fn subset_sums_agree_with_brute_force() {
        // A fixed pseudo-random walk over amounts of a few cents to a few hundred euros.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..300 {
            let n = 1 + next(11) as usize;
            let coarse = next(2) == 0;
            let a: Vec<Decimal> = (0..n)
                .map(|_| {
                    let cents = if coarse {
                        50 * (1 + next(40))
                    } else {
                        1 + next(90_000)
                    };
                    Decimal::new(cents as i64, 2)
                })
                .collect();
            // A total that is a sum of some of them half the time.
            let t = if next(2) == 0 {
                (0..n)
                    .filter(|_| next(2) == 0)
                    .map(|j| a[j])
                    .sum::<Decimal>()
            } else {
                Decimal::new(1 + next(200_000) as i64, 2)
            };
            if t <= Decimal::ZERO {
                continue;
            }
            let within: Vec<Decimal> = a.iter().copied().filter(|&v| v <= t).collect();
            let want = brute(t, &within);
            let got = covered(t, &within);
            match got {
                Some((got, exact)) => {
                    assert!(exact, "small cases are worked out exactly");
                    let items: Vec<usize> = got.iter().map(|(j, _)| *j).collect();
                    assert_eq!(items, want, "total {t}, amounts {within:?}");
                    // Each item's sum holds it and adds up to the total.
                    for (j, subset) in &got {
                        assert!(subset.contains(j));
                        let sum: Decimal = subset.iter().map(|&k| within[k]).sum();
                        assert_eq!(sum, t, "{j}: {subset:?}");
                    }
                }
                None => assert!(want.is_empty(), "total {t}, amounts {within:?}"),
            }
        }
    }

    #[test]
    fn a_total_too_large_to_work_out_covers_every_item_it_could() {
        // 2,000 items of odd cents under a 9,999.99 total: 2e9 bits, over the limit.
        let a: Vec<Decimal> = (0..2_000).map(|j| Decimal::new(101 + 2 * j, 2)).collect();
        let (items, exact) = covered(total("9999.99"), &a).unwrap();
        assert!(!exact);
        assert_eq!(items.len(), 2_000);
    }
}

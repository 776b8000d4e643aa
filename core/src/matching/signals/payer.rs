//! Signal: who paid. The bank gives the payer's account and name; most ledger exports carry no
//! debtor account, so the account may be unknown.
//!
//! | the payment has | payer | boundary |
//! |---|---|---|
//! | an account the ledger gives one debtor | that debtor | given to several: all of them, and nothing is applied by amount |
//! | an account that paid one debtor's invoice by reference or number, exactly, anywhere in the history (`learn.rs`) | that debtor | an account seen paying two debtors teaches nothing |
//! | an unknown account, a name that is exactly one debtor's (`names.rs`: case, accents, punctuation, legal forms, word order aside) | that debtor, less sure | two debtors of that name: nobody |
//! | initials for first names (`Bakker, Z.`) | the one debtor whose full words and initials they fit | fits two: nobody; initials tried only under the rarest word, at most 200 debtors |
//! | initials, and the ledger names a household (`A. Postma`, `Fam. Postma`) | that household | only when no debtor fits the initials themselves |

use crate::ids::DebtorId;
use crate::matching::evidence::Evidence;
use crate::matching::index::Indexes;
use crate::matching::learn::Learned;
use crate::matching::names;
use crate::model::Payment;

/// Whom a payment is from, and the evidence for it.
#[derive(Debug, Default)]
pub(crate) struct Payer<'a> {
    /// The debtors it may be (one when known; several when an account is shared).
    pub debtors: Vec<&'a DebtorId>,
    /// How the one debtor is known.
    pub evidence: Option<Evidence>,
}

impl<'a> Payer<'a> {
    /// The debtor, when exactly one.
    pub fn one(&self) -> Option<&'a DebtorId> {
        match self.debtors[..] {
            [d] => Some(d),
            _ => None,
        }
    }

    /// Whether only the name tells who it is.
    pub fn by_name(&self) -> bool {
        matches!(self.evidence, Some(Evidence::PayerName { .. }))
    }
}

/// Who paid: the account the ledger knows, one learned from the history, else the name.
pub(crate) fn identify<'a>(
    p: &Payment,
    idx: &Indexes<'a>,
    learned: &Learned<'a>,
    payments: &[Payment],
) -> Payer<'a> {
    if let Some(account) = p.counterparty_account.as_deref() {
        if let Some(list) = idx.accounts.get(account) {
            return Payer {
                debtors: list.clone(),
                evidence: (list.len() == 1).then(|| Evidence::PayerAccount {
                    account: account.to_string(),
                }),
            };
        }
        if let Some(&(d, from)) = learned.get(account) {
            return Payer {
                debtors: vec![d],
                evidence: Some(Evidence::LearnedAccount {
                    account: account.to_string(),
                    payment: payments[from].id.clone(),
                }),
            };
        }
    }
    let Some(name) = p.counterparty_name.as_deref() else {
        return Payer::default();
    };
    let key = names::identity_key(name);
    let one = match idx.names.get(&key).map(Vec::as_slice) {
        Some([one]) if !key.is_empty() => Some(*one),
        _ => match initials_candidates(name, idx).as_slice() {
            [one] => Some(*one),
            _ => None,
        },
    };
    match one {
        Some(d) => Payer {
            debtors: vec![d],
            evidence: Some(Evidence::PayerName {
                name: name.to_string(),
            }),
        },
        None => Payer::default(),
    }
}

/// Most debtors one name word may point to before it is too common to look through.
const NAME_WORD_LIMIT: usize = 200;

/// The debtors whose name a payer's name fits with initials for first names: the payer's
/// initials against the debtor's words (candidates under the payer's rarest word), or the
/// debtor's initials against the payer's words (among debtors written with initials).
fn initials_candidates<'a>(name: &str, idx: &Indexes<'a>) -> Vec<&'a DebtorId> {
    let (full, initials) = names::words(name);
    let mut fits: Vec<&DebtorId> = Vec::new();
    if initials.is_empty() {
        for w in &full {
            for (d, n) in idx.initialled.get(w).into_iter().flatten() {
                if names::initials_fit(n, name) {
                    fits.push(d);
                }
            }
        }
    } else if let Some(list) = full
        .iter()
        .filter_map(|w| idx.name_words.get(w))
        .min_by_key(|l| l.len())
        .filter(|l| l.len() <= NAME_WORD_LIMIT)
    {
        for (d, n) in list {
            if names::initials_fit(name, n) {
                fits.push(d);
            }
        }
        // `A. Postma` for `Fam. Postma`, when no one fits better.
        if fits.is_empty() {
            for (d, n) in list {
                if names::household_fit(name, n) {
                    fits.push(d);
                }
            }
        }
    }
    fits.sort();
    fits.dedup();
    fits
}

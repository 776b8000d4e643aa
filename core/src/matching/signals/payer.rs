//! Signal: who paid. The bank gives the payer's account and name; most ledger exports carry no
//! debtor account, so the account may be unknown.
//!
//! | the payment has | payer | boundary |
//! |---|---|---|
//! | an account the ledger gives one debtor | that debtor | given to several: all of them, and nothing is applied by amount |
//! | an account that paid one debtor's invoice by reference or number, exactly, anywhere in the history (`learn.rs`) | that debtor | an account seen paying two debtors teaches nothing |
//! | an unknown account, a name that is exactly one debtor's (`names.rs`: case, accents, punctuation, legal forms, word order aside) | that debtor, less sure | two to four debtors of that name (homonyms): each, and the amount tells them apart or a person does; more: nobody |
//! | initials for first names (`Bakker, Z.`) | the debtors whose full words and initials they fit | as for names; initials tried only under the rarest word, at most 200 debtors |
//! | a person's name no debtor has, a word of it in a few debtors' names (`PIETER DUPONT` for `Elektro Dupont BV BA`: an owner's private account) | each of those debtors, much less sure (an exact amount 75, oldest first never) | a word in more than four debtors' names: nobody; a document of another debtor the text names is not doubted for it |
//! | a joint account (`STEVENS MATHEO EN/OF CLAEYS LIEVE`) | every debtor either holder's name fits | as for names |
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
    /// The account names some debtors and the name others (see [`Disagreement`]).
    pub disagreement: Option<Disagreement<'a>>,
}

/// An account the ledger or the history gives some debtors, with the name of another debtor
/// exactly: a group's payment company or an office paying for one of its clients
/// (`UltmtDbtr`, `Naam uiteindelijke partij`), or a debtor paying another's invoice. Neither
/// wins: nothing is applied by amount, so the money waits and holds both debtors' items
/// (review 43b, F-3: the account learned as one firm's took a payment the ultimate debtor
/// said was for another).
#[derive(Debug, Clone)]
pub(crate) struct Disagreement<'a> {
    /// The debtors the account is known for.
    pub by_account: Vec<&'a DebtorId>,
    /// The debtors whose name the payment's is exactly.
    pub by_name: Vec<&'a DebtorId>,
}

impl<'a> Payer<'a> {
    /// The debtor, when exactly one.
    pub fn one(&self) -> Option<&'a DebtorId> {
        match self.debtors[..] {
            [d] => Some(d),
            _ => None,
        }
    }

    /// The debtors whose items the amount is tried against: the one the account names, or every
    /// debtor the name fits (homonyms: the amount may tell them apart). None for an account
    /// several debtors share.
    pub fn by_amount(&self) -> &[&'a DebtorId] {
        if self.by_name() || self.debtors.len() == 1 {
            &self.debtors
        } else {
            &[]
        }
    }

    /// Whether only the name (or part of it) tells who it is.
    pub fn by_name(&self) -> bool {
        matches!(
            self.evidence,
            Some(Evidence::PayerName { .. } | Evidence::PayerNamePart { .. })
        )
    }

    /// Whether the payer is known well enough to doubt a document of another debtor: by account
    /// or by the whole name, not by a word of it.
    pub fn strong(&self) -> bool {
        !self.debtors.is_empty() && !matches!(self.evidence, Some(Evidence::PayerNamePart { .. }))
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
        let known = if let Some(list) = idx.accounts.get(account) {
            Some(Payer {
                debtors: list.clone(),
                evidence: (list.len() == 1).then(|| Evidence::PayerAccount {
                    account: account.to_string(),
                }),
                disagreement: None,
            })
        } else {
            learned.get(account).map(|&(d, from)| Payer {
                debtors: vec![d],
                evidence: Some(Evidence::LearnedAccount {
                    account: account.to_string(),
                    payment: payments[from].id.clone(),
                }),
                disagreement: None,
            })
        };
        if let Some(known) = known {
            return disagreeing(known, p.counterparty_name.as_deref(), idx);
        }
    }
    let Some(name) = p.counterparty_name.as_deref() else {
        return Payer::default();
    };
    let mut fits: Vec<&'a DebtorId> = Vec::new();
    for holder in holders(name) {
        let key = names::identity_key(holder);
        let found = match idx.names.get(&key) {
            Some(list) if !key.is_empty() => list.clone(),
            _ => initials_candidates(holder, idx),
        };
        for d in found {
            if !fits.contains(&d) {
                fits.push(d);
            }
        }
    }
    if fits.is_empty() {
        return owner(name, idx);
    }
    if fits.len() > HOMONYMS {
        return Payer::default();
    }
    fits.sort();
    Payer {
        evidence: Some(Evidence::PayerName {
            name: name.to_string(),
            others: fits.len() - 1,
        }),
        debtors: fits,
        disagreement: None,
    }
}

/// The payer an account tells, unless the payment's name is exactly that of other debtors
/// (none of the account's): then every one of them, known by neither (see [`Disagreement`]).
fn disagreeing<'a>(known: Payer<'a>, name: Option<&str>, idx: &Indexes<'a>) -> Payer<'a> {
    let Some(named) = name
        .map(names::identity_key)
        .filter(|k| !k.is_empty())
        .and_then(|k| idx.names.get(&k))
    else {
        return known;
    };
    if named.len() > HOMONYMS || named.iter().any(|d| known.debtors.contains(d)) {
        return known;
    }
    let mut debtors = known.debtors.clone();
    debtors.extend(named.iter().copied());
    debtors.sort();
    Payer {
        debtors,
        evidence: None,
        disagreement: Some(Disagreement {
            by_account: known.debtors,
            by_name: named.clone(),
        }),
    }
}

/// The holders of a joint account, as banks write them (`STEVENS MATHEO EN/OF CLAEYS LIEVE`,
/// `J JANSEN E/O M DE VRIES`, `A SMITH AND/OR B SMITH`); the name itself otherwise.
fn holders(name: &str) -> Vec<&str> {
    let upper = name.to_ascii_uppercase();
    for sep in [" EN/OF ", " E/O ", " AND/OR ", " EN OF "] {
        if let Some(at) = upper.find(sep) {
            {
                let (a, b) = (&name[..at], &name[at + sep.len()..]);
                if !a.trim().is_empty() && !b.trim().is_empty() {
                    return vec![a.trim(), b.trim()];
                }
            }
        }
    }
    vec![name]
}

/// Most debtors one payer's name may fit and still be weighed by amount.
const HOMONYMS: usize = 4;

/// A person paying from a private account for the business that bears a word of their name
/// (`PIETER DUPONT` for `Elektro Dupont BV BA`, `MOENS PIETER` for `Boulangerie Moens SRL`): the
/// debtors (at most [`HOMONYMS`]) whose name has a full word of the payer's that few debtors have.
fn owner<'a>(name: &str, idx: &Indexes<'a>) -> Payer<'a> {
    // A company paying (a supplier's refund, a payment provider) is nobody's owner.
    if names::is_company(name) {
        return Payer::default();
    }
    let (full, _) = names::words(name);
    let mut debtors: Vec<&'a DebtorId> = Vec::new();
    let mut words = Vec::new();
    for w in full.iter().filter(|w| w.chars().count() >= 3) {
        let Some(list) = idx.name_words.get(w).filter(|l| l.len() <= HOMONYMS) else {
            continue;
        };
        words.push(w.clone());
        for (d, _) in list {
            if !debtors.contains(d) {
                debtors.push(d);
            }
        }
    }
    if debtors.is_empty() || debtors.len() > HOMONYMS {
        return Payer::default();
    }
    debtors.sort();
    Payer {
        debtors,
        evidence: Some(Evidence::PayerNamePart {
            name: name.to_string(),
            words,
        }),
        disagreement: None,
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

#[cfg(test)]
mod tests {
    use super::holders;

    #[test]
    fn joint_accounts_have_two_holders() {
        assert_eq!(
            holders("STEVENS MATHEO EN/OF CLAEYS LIEVE"),
            ["STEVENS MATHEO", "CLAEYS LIEVE"]
        );
        assert_eq!(
            holders("J Jansen e/o M de Vries"),
            ["J Jansen", "M de Vries"]
        );
        assert_eq!(holders("Ghekiere & Zonen bvba"), ["Ghekiere & Zonen bvba"]);
        assert_eq!(holders("EN/OF"), ["EN/OF"]);
    }
}

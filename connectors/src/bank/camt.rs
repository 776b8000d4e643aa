//! ISO 20022 camt.053 bank-to-customer statements, streamed.

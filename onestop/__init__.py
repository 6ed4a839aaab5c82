"""The ledger: dossiers, their append-only history, apologies, reports and publishing."""

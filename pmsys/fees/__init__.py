"""Property fees: standards, bills, payments, collection rates, public revenue
(docs/domain.md#fees)."""

"""Property fees: standards, bills, payments, collection rates, public revenue (DESIGN §10)."""

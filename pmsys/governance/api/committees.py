"""API: committees."""

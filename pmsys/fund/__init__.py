"""The special maintenance fund of each community (维修资金, docs/domain.md#fund)."""

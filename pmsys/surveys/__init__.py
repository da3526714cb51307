"""Satisfaction surveys (docs/domain.md#surveys): questions, answers by household, results."""

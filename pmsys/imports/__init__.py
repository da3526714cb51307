"""The region bundle: validate everything, then write in one go."""
